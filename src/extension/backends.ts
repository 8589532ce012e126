// Extension glue: the backends the extension knows — the local companion it starts on demand as a child process, and
// remote ones by URL — which one is connected, and their tokens (SecretStorage only, never settings).

import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { BackendClient } from '../client/client';
import { resolveConnection } from '../client/connection';
import { NimbusError } from '../shared/errors';
import type { NimbusConfig } from './config';
import { launchBackend } from '../backend/launch';
import { findNodeRuntime } from '../executor/sandbox';

export interface BackendEntry {
  url: string;
  /** True for the companion the extension started. */
  local: boolean;
}

export interface Connection {
  url: string;
  local: boolean;
  client: BackendClient;
}

const remoteListKey = 'nimbus.remoteBackends';
const tokenKey = (url: string) => `nimbus.token:${url}`;
/** Written by the backend into its data dir on first start (src/backend/auth.ts). */
const tokenFileName = 'token';
const startTimeoutMs = 20_000;

export class BackendManager implements vscode.Disposable {
  private connection: Connection | undefined;
  private localProcess: ChildProcess | undefined;
  private localUrl: string | undefined;
  private starting: Promise<Connection> | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly config: NimbusConfig,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get current(): Connection | undefined {
    return this.connection;
  }

  get localRunning(): boolean {
    return this.localProcess !== undefined && this.localProcess.exitCode === null;
  }

  /** The connected backend's client; a user error that says how to connect when there is none. */
  requireConnection(): Connection {
    if (this.connection) return this.connection;
    throw new NimbusError('BACKEND_UNREACHABLE', 'No backend is connected. Run "Nimbus: Start Local Backend" or "Nimbus: Connect to Backend…" first.');
  }

  entries(): BackendEntry[] {
    const remote = this.context.globalState.get<string[]>(remoteListKey, []).map((url) => ({ url, local: false }));
    return this.localUrl ? [{ url: this.localUrl, local: true }, ...remote] : remote;
  }

  /**
   * Connects at start to `nimbus.backend.url` (or $NIMBUS_BACKEND) when its token is known: for a backend started in
   * the workspace (`nimbus backend`, `npm start`) the token file it wrote into `.nimbus/backend/`, or $NIMBUS_TOKEN —
   * found the way the CLI finds them — else the one kept in SecretStorage from an earlier connect.
   */
  async restore(): Promise<void> {
    const url = this.config.backendUrl || process.env.NIMBUS_BACKEND || '';
    if (!url || this.connection) return;
    const folders = vscode.workspace.workspaceFolders ?? [];
    const found = folders
      .map((folder) => resolveConnection({ backend: url, env: process.env, cwd: folder.uri.fsPath }).token)
      .find((token) => token !== undefined);
    const token = found ?? (await this.context.secrets.get(tokenKey(url)));
    if (!token) {
      this.log.info(`${url} is configured but its token is not known here: connect once with "Nimbus: Connect to Backend…"`);
      return;
    }
    this.log.info(`reconnecting to ${url}`);
    await this.connect(url, token, false);
  }

  async connect(url: string, token: string, local: boolean): Promise<Connection> {
    const normalized = url.replace(/\/+$/, '');
    const client = new BackendClient({ url: normalized, token });
    // A wrong URL or token is reported now, not at the first deploy.
    await client.listFunctions();
    await this.context.secrets.store(tokenKey(normalized), token);
    if (!local) {
      const list = this.context.globalState.get<string[]>(remoteListKey, []);
      if (!list.includes(normalized)) await this.context.globalState.update(remoteListKey, [...list, normalized]);
    }
    this.connection = { url: normalized, local, client };
    this.log.info(`connected to backend ${normalized}`);
    this.changed();
    return this.connection;
  }

  /** Reconnects to a known backend with its stored token, asking for one when none is stored. */
  async connectKnown(url: string): Promise<Connection | undefined> {
    if (url === this.localUrl) return this.startLocal();
    const token = (await this.context.secrets.get(tokenKey(url))) ?? (await askToken(url));
    return token === undefined ? undefined : this.connect(url, token, false);
  }

  async forget(url: string): Promise<void> {
    if (url === this.localUrl) {
      await this.stopLocal();
      return;
    }
    await this.context.secrets.delete(tokenKey(url));
    const list = this.context.globalState.get<string[]>(remoteListKey, []).filter((entry) => entry !== url);
    await this.context.globalState.update(remoteListKey, list);
    if (this.connection?.url === url) this.connection = undefined;
    this.changed();
  }

  disconnect(): void {
    this.connection = undefined;
    this.changed();
  }

  /** Starts the companion backend (or reuses the running one) and connects to it. */
  startLocal(): Promise<Connection> {
    if (this.localRunning && this.connection?.local) return Promise.resolve(this.connection);
    this.starting ??= this.spawnLocal().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async spawnLocal(): Promise<Connection> {
    const dataDir = this.localDataDir();
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(dataDir));
    // The backend's embedded store is a native module built for Node, so it runs in `node`, not in the editor's runtime.
    const node = findNodeRuntime(this.config.nodePath);
    const { child, url } = await launchBackend({
      nodePath: node.path,
      script: vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'backend.js').fsPath,
      dataDir,
      port: this.config.localBackendPort,
      env: { ...process.env, ...node.env, NIMBUS_TOKEN: '' },
      timeoutMs: startTimeoutMs,
      onOutput: (line) => this.log.info(`[backend] ${line}`),
    });
    this.localProcess = child;
    child.once('exit', () => {
      if (this.localProcess !== child) return;
      this.localProcess = undefined;
      this.localUrl = undefined;
      if (this.connection?.local) this.connection = undefined;
      this.changed();
    });
    const token = (await readFile(join(dataDir, tokenFileName), 'utf8')).trim();
    this.localUrl = url;
    this.log.info(`local backend started at ${url} (pid ${child.pid}, data ${dataDir})`);
    return this.connect(url, token, true);
  }

  /** `.nimbus/backend` of the first workspace folder (git-ignored), so deployed functions stay with the project. */
  private localDataDir(): string {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? join(folder.uri.fsPath, '.nimbus', 'backend') : join(this.context.globalStorageUri.fsPath, 'backend');
  }

  async stopLocal(): Promise<void> {
    const child = this.localProcess;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(forced);
  }

  private changed(): void {
    void vscode.commands.executeCommand('setContext', 'nimbus.backendConnected', this.connection !== undefined);
    void vscode.commands.executeCommand('setContext', 'nimbus.localBackendRunning', this.localRunning);
    this.changeEmitter.fire();
  }

  dispose(): void {
    void this.stopLocal();
    this.changeEmitter.dispose();
  }
}

export async function askToken(url: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: `Token for ${url}`,
    prompt: 'The backend prints its token on first start (or set NIMBUS_TOKEN when starting it). It is kept in VS Code\'s secret storage.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Enter the token'),
  });
}


