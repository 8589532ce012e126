// Integration test helpers: bounded waits, a real companion backend on a loopback port, and screenshots.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the repository is (the extension under test); the web runner sets it, desktop runs start from this file. */
export const repositoryRoot = process.env.NIMBUS_TEST_ROOT ?? join(__dirname, '..', '..', '..');

/** Polls until `probe` returns a value (not undefined/false), failing with `what` after the bound. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves with the promise, or fails naming `what` once the bound has passed. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asks the web runner for a PNG of the workbench; resolves once it is written (no-op under desktop VS Code). */
export async function screenshot(name: string): Promise<void> {
  const folder = process.env.NIMBUS_TEST_SCREENSHOTS;
  if (!folder) return;
  const file = join(folder, `${name}.png`);
  console.log(`@@SCREENSHOT ${file}`);
  await waitFor(`screenshot ${name}`, () => existsSync(file), 20_000);
}

export interface RunningBackend {
  url: string;
  token: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `node dist/backend.js` with a fresh data dir and a known token. */
export async function startBackend(): Promise<RunningBackend> {
  const port = await freePort();
  const token = 'integration-test-token';
  const data = mkdtempSync(join(process.env.NIMBUS_TEST_SCRATCH ?? tmpdir(), 'backend-'));
  const child: ChildProcess = spawn('node', [join(repositoryRoot, 'dist', 'backend.js'), '--port', String(port), '--host', '127.0.0.1', '--data', data], {
    env: { ...process.env, NIMBUS_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`the backend at ${url} (stderr: ${stderr})`, async () => {
    if (child.exitCode !== null) throw new Error(`the backend exited with ${child.exitCode}: ${stderr}`);
    try {
      return (await fetch(`${url}/healthz`)).ok;
    } catch {
      return false;
    }
  });
  return {
    url,
    token,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
