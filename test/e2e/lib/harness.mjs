// E2E harness (plain Node): starts and stops the real things a journey needs — the packaged .vsix, the companion
// backend, the VS Code server of the pinned runtime and Debian's Chromium — each in its own process group, so
// stopping one stops everything it started. Shared by test/e2e/run.mjs, test/bench/e2e.mjs and scripts/start.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, root, waitForHttp } from '../../integration/prepare.mjs';

export { freePort, root, waitForHttp };

export const runtimeDir = process.env.NIMBUS_VSCODE_RUNTIME || join(root, '.vscode-test', 'runtime');
export const vsixPath = join(root, 'nimbus-faas.vsix');
const serverMain = join(runtimeDir, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');

/** Runs a command to completion with inherited output; throws naming it when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

/** Installs VS Code 1.100.3 (code-server) and playwright-core into the runtime folder when they are missing. */
export function ensureRuntime() {
  if (!existsSync(join(runtimeDir, '.installed'))) run('bash', [join(root, 'test', 'integration', 'install-runtime.sh'), runtimeDir]);
}

/** Builds the minified bundles and the .vsix (`npm run package`); returns its path. */
export function packageVsix({ quiet = false } = {}) {
  run('npm', ['run', 'package', '--silent'], quiet ? { stdio: ['ignore', 'ignore', 'inherit'] } : {});
  return vsixPath;
}

/** A child process in its own process group (detached = setsid), stopped with everything it started. */
export class ProcessGroup {
  constructor(name, command, args, options = {}) {
    this.name = name;
    this.output = '';
    this.child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    const keep = (chunk) => {
      // The tail is kept for error messages; a runaway process must not grow memory without bound.
      this.output = (this.output + chunk.toString()).slice(-20_000);
      if (options.echo) process.stderr.write(chunk);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    liveGroups.add(this);
  }

  get pid() {
    return this.child.pid;
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  async stop(graceMs = 5000) {
    liveGroups.delete(this);
    signalGroup(this.pid, 'SIGTERM');
    let timer;
    const forced = new Promise((resolve) => {
      timer = setTimeout(() => {
        signalGroup(this.pid, 'SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, forced]);
    clearTimeout(timer);
    // Children that ignored SIGTERM (file watchers, extension host helpers) go with the group.
    signalGroup(this.pid, 'SIGKILL');
  }
}

const liveGroups = new Set();

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Synchronous last resort (process 'exit' handlers cannot await): kills every group still running. */
export function killAllGroups() {
  for (const group of liveGroups) signalGroup(group.pid, 'SIGKILL');
  liveGroups.clear();
}

/**
 * The companion backend (`node dist/backend.js`) on a loopback port. The token is the one the backend generated into
 * its data dir on first start, or `token` when given (the backend then accepts that one instead).
 */
export async function startBackend({ dataDir, port, token, echo = false }) {
  mkdirSync(dataDir, { recursive: true });
  const chosenPort = port ?? (await freePort());
  const env = { ...process.env, NIMBUS_TOKEN: token ?? '' };
  const backend = new ProcessGroup('backend', process.execPath, [join(root, 'dist', 'backend.js'), '--port', String(chosenPort), '--host', '127.0.0.1', '--data', dataDir], { cwd: root, env, echo });
  const url = `http://127.0.0.1:${chosenPort}`;
  try {
    await Promise.race([
      waitForHttp(`${url}/healthz`, 30_000),
      backend.exited.then(({ code, signal }) => {
        throw new Error(`the backend exited (${signal ?? `code ${code}`}) before it answered:\n${backend.output}`);
      }),
    ]);
  } catch (error) {
    await backend.stop();
    throw error;
  }
  const tokenFile = join(dataDir, 'token');
  const resolvedToken = token || (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (!resolvedToken) {
    await backend.stop();
    throw new Error(`${dataDir} holds a backend store whose token file is gone; delete the folder or set NIMBUS_TOKEN`);
  }
  return { url, token: resolvedToken, port: chosenPort, process: backend, stop: () => backend.stop() };
}

/** Installs the .vsix into an extensions folder with the runtime's code-server CLI (folders can't be installed). */
export function installVsix({ vsix = vsixPath, extensionsDir, scratch }) {
  mkdirSync(extensionsDir, { recursive: true });
  const result = spawnSync(
    join(runtimeDir, 'node_modules', '.bin', 'code-server'),
    ['--extensions-dir', extensionsDir, '--user-data-dir', join(scratch, 'cli-user-data'), '--install-extension', vsix, '--force'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: join(scratch, 'xdg'), XDG_DATA_HOME: join(scratch, 'xdg-data') } },
  );
  if (result.status !== 0 || !/successfully installed/i.test(result.stdout + result.stderr)) {
    throw new Error(`installing ${vsix} failed:\n${result.stdout}${result.stderr}`);
  }
}

/**
 * VS Code's server (web workbench + Node extension host) from the pinned runtime on a loopback port, with its own
 * data, user-data and extensions folders under `scratch`. `machineSettings` become the server's remote settings.
 */
export async function startWorkbench({ scratch, extensionsDir, port, env = {}, machineSettings, echo = false }) {
  const chosenPort = port ?? (await freePort());
  const serverData = join(scratch, 'server-data');
  if (machineSettings) {
    const file = join(serverData, 'data', 'Machine', 'settings.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(machineSettings, null, 2));
  }
  const server = new ProcessGroup(
    'vscode-server',
    process.execPath,
    [serverMain, '--host', '127.0.0.1', '--port', String(chosenPort), '--without-connection-token', '--accept-server-license-terms',
      // No --enable-smoke-test-driver: with it the workbench refuses modal dialogs ("refused to show dialog in tests"),
      // and a person does see the Delete confirmation.
      '--disable-workspace-trust', '--disable-telemetry', '--server-data-dir', serverData,
      '--user-data-dir', join(scratch, 'user-data'), '--extensions-dir', extensionsDir],
    { cwd: root, env: { ...process.env, TMPDIR: scratch, ...env }, echo },
  );
  const url = `http://127.0.0.1:${chosenPort}`;
  try {
    await Promise.race([
      waitForHttp(`${url}/`, 60_000),
      server.exited.then(({ code, signal }) => {
        throw new Error(`the VS Code server exited (${signal ?? `code ${code}`}):\n${server.output}`);
      }),
    ]);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url, port: chosenPort, process: server, stop: () => server.stop() };
}

/** playwright-core from the runtime folder: it is not one of the project's dependencies. */
export function playwright() {
  return createRequire(join(runtimeDir, 'node_modules', 'package.json'))('playwright-core');
}

/** Debian's Chromium with a throwaway profile; resolves to { context, page, close }. */
export async function launchBrowser({ scratch, viewport = { width: 1440, height: 900 } }) {
  const { chromium } = playwright();
  const context = await chromium.launchPersistentContext(mkdtempSync(join(scratch ?? tmpdir(), 'chrome-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Clipboard reads (Copy URL) need the permission a person grants once.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close: () => context.close() };
}

/** The URL that opens `folder` in the workbench. */
export function workbenchUrl(base, folder) {
  return `${base}/?folder=${encodeURIComponent(folder)}`;
}
