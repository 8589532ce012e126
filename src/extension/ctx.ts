// Extension glue: the one owner (rust-analyzer's Ctx) of everything long-lived — settings, output channels, status
// bar, manifests, backends and the lazily created executor. It sits in context.subscriptions, so a deactivate stops
// every child process and watcher it started.

import { join } from 'node:path';
import * as vscode from 'vscode';
import { createExecutor } from '../executor';
import type { Executor } from '../executor/api';
import { isNimbusError, toNimbusError, type NimbusError } from '../shared/errors';
import { formatLogLine, type LogLine } from '../shared/invocation';
import type { Logger } from '../shared/logger';
import { BackendManager } from './backends';
import { readConfig, type NimbusConfig } from './config';
import { WorkspaceManifests } from './manifests';

export class Ctx implements vscode.Disposable {
  readonly config: NimbusConfig = readConfig();
  /** Function output (console lines and REPORT lines), highlighted by the `nimbus-log` grammar. */
  readonly functionOutput = vscode.window.createOutputChannel('Nimbus Functions', 'nimbus-log');
  /** The extension's own log; errors shown to the user keep their stack here. */
  readonly log = vscode.window.createOutputChannel('Nimbus', { log: true });
  readonly manifests: WorkspaceManifests;
  readonly backends: BackendManager;
  private readonly statusItem = vscode.window.createStatusBarItem('nimbus.status', vscode.StatusBarAlignment.Left, 20);
  private executorInstance: Executor | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.manifests = new WorkspaceManifests(this.log);
    this.backends = new BackendManager(extension, this.config, this.log);
    this.disposables.push(
      this.functionOutput,
      this.log,
      this.manifests,
      this.backends,
      this.statusItem,
      this.manifests.onDidChange(() => {
        // Warm instances hold the old code; the next invoke loads the edited manifest and handlers.
        void this.executorInstance?.invalidate();
        void this.updateStatus();
      }),
      this.backends.onDidChange(() => void this.updateStatus()),
      ...this.watchSources(),
      vscode.workspace.onDidChangeConfiguration((change) => {
        if (change.affectsConfiguration('nimbus')) {
          void vscode.window.showInformationMessage('Nimbus settings changed; reload the window to apply them.', 'Reload').then((choice) => {
            if (choice === 'Reload') void vscode.commands.executeCommand('workbench.action.reloadWindow');
          });
        }
      }),
    );
    this.statusItem.name = 'Nimbus';
    this.statusItem.command = 'nimbus.showStatusActions';
    void this.updateStatus();
  }

  /**
   * Warm instances hold the code they loaded: when a source file changes (saved in the editor, or on disk by git or
   * a formatter) they are retired, so the next invoke or Send bundles and runs the edited code. A save in the editor
   * retires them at once (a Send right after it must see the edit); the file watcher, which reports later, covers
   * changes made on disk, in bursts, hence its short delay.
   */
  private watchSources(): vscode.Disposable[] {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{ts,mts,cts,tsx,js,mjs,cjs,jsx,json}');
    let timer: NodeJS.Timeout | undefined;
    // Dependencies do not change while one edits a handler, and the cache is Nimbus's own output.
    const isSource = (uri: vscode.Uri) => !/[\\/](node_modules|\.nimbus|\.git)[\\/]/.test(uri.fsPath) && /\.([mc]?[jt]sx?|json)$/.test(uri.fsPath);
    const changed = (uri: vscode.Uri) => {
      if (!isSource(uri) || !this.executorInstance) return;
      clearTimeout(timer);
      timer = setTimeout(() => void this.executorInstance?.invalidate(), 50);
    };
    const saved = (document: vscode.TextDocument) => {
      if (isSource(document.uri)) void this.executorInstance?.invalidate();
    };
    return [
      watcher,
      watcher.onDidChange(changed),
      watcher.onDidCreate(changed),
      watcher.onDidDelete(changed),
      vscode.workspace.onDidSaveTextDocument(saved),
      { dispose: () => clearTimeout(timer) },
    ];
  }

  /** The local executor, created on first invoke: it bundles with esbuild and pools child processes. */
  executor(): Executor {
    if (!this.executorInstance) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.extension.globalStorageUri.fsPath;
      this.executorInstance = createExecutor({
        cacheDir: join(folder, '.nimbus', 'cache'),
        logger: this.logger(),
        sandbox: this.config.sandbox,
        idleTimeoutMs: this.config.idleTimeoutMs,
        prices: this.config.prices,
        nodePath: this.config.nodePath,
      });
      this.disposables.push({ dispose: () => void this.executorInstance?.dispose() });
      this.executorInstance.onDidChangeInstances(() => void this.updateStatus());
    }
    return this.executorInstance;
  }

  /** A shared-layer Logger that writes into the extension's log channel. */
  logger(): Logger {
    return {
      debug: (message, fields) => this.log.debug(message, ...(fields ? [fields] : [])),
      info: (message, fields) => this.log.info(message, ...(fields ? [fields] : [])),
      warn: (message, fields) => this.log.warn(message, ...(fields ? [fields] : [])),
      error: (message, fields) => this.log.error(message, ...(fields ? [fields] : [])),
    };
  }

  appendFunctionLog(line: LogLine): void {
    this.functionOutput.appendLine(formatLogLine(line));
  }

  /** Shows an error once, with the sentence a user can act on; the stack goes to the log. */
  reportError(action: string, error: unknown): void {
    const nimbusError = toNimbusError(error);
    const userError = isNimbusError(error) && nimbusError.user;
    // A user's mistake (invalid JSON, a function not deployed) is no fault of the extension: no stack for it.
    if (userError) this.log.warn(`${action} failed: ${nimbusError.code} ${nimbusError.message}`);
    else this.log.error(`${action} failed: ${nimbusError.code} ${nimbusError.message}`, error instanceof Error ? error.stack ?? '' : '');
    const text = userError ? inEditorTerms(nimbusError) : `${action} failed: ${nimbusError.message}`;
    void vscode.window.showErrorMessage(text, 'Show Log').then((choice) => {
      if (choice === 'Show Log') this.log.show(true);
    });
  }

  private async updateStatus(): Promise<void> {
    const functions = (await this.manifests.functions()).length;
    const connection = this.backends.current;
    const instances = this.executorInstance?.stats().reduce((sum, stats) => sum + stats.instances, 0) ?? 0;
    const backend = connection ? (connection.local ? `local :${new URL(connection.url).port}` : new URL(connection.url).host) : 'no backend';
    this.statusItem.text = `$(cloud) Nimbus: ${functions} fn · ${backend}${instances ? ` · ${instances} warm` : ''}`;
    this.statusItem.tooltip = `${functions} function(s) in the workspace\nBackend: ${connection?.url ?? 'not connected'}\nWarm local instances: ${instances}\nClick for Nimbus actions`;
    this.statusItem.accessibilityInformation = { label: `Nimbus: ${functions} functions, ${backend}` };
    if (functions > 0 || connection) this.statusItem.show();
  }

  dispose(): void {
    for (const disposable of this.disposables.reverse()) disposable.dispose();
  }
}

/**
 * An error's sentence with the fix said in the editor's terms: the client and the backend word theirs for the CLI
 * (`--token`, `nimbus deploy x`), which means nothing to someone clicking in VS Code.
 */
export function inEditorTerms(error: NimbusError): string {
  switch (error.code) {
    case 'BACKEND_UNAUTHORIZED':
      return 'The backend refused the token: connect to it again with its token (Nimbus: Connect to Backend…; a local backend keeps it in .nimbus/backend/token).';
    case 'BACKEND_UNREACHABLE':
      return error.message.replace(/; is the backend running\?.*$/, '. Start it (Nimbus: Start Local Backend) or connect to one that runs (Nimbus: Connect to Backend…).');
    default:
      return error.message.replace(/deploy it with `nimbus deploy ([^`]+)`/, 'deploy it first (right-click it → Nimbus: Deploy Function)');
  }
}

