// Integration test helpers: bounded waits, a real companion backend on a loopback port, and screenshots.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBackend } from '../../../src/backend/launch';

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

/** Starts `node dist/backend.js` with a fresh data dir and a known token, on a port it picks itself. */
export async function startBackend(): Promise<RunningBackend> {
  const token = 'integration-test-token';
  const data = mkdtempSync(join(process.env.NIMBUS_TEST_SCRATCH ?? tmpdir(), 'backend-'));
  const backend = await launchBackend({
    nodePath: 'node',
    script: join(repositoryRoot, 'dist', 'backend.js'),
    dataDir: data,
    env: { ...process.env, NIMBUS_TOKEN: token },
  });
  return { url: backend.url, token, stop: () => backend.stop() };
}
