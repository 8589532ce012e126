// Test support: fixture projects in temp dirs and a real gateway over the real executor serving them.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Executor } from '../../../src/executor/api';
import { Gateway, type GatewayInvocation, type GatewayOptions } from '../../../src/executor/gateway';
import { createExecutor } from '../../../src/executor/index';
import type { Event } from '../../../src/shared/disposable';
import { RecordingLogger } from '../../../src/shared/logger';

const repositoryRoot = resolve(__dirname, '../../..');

/** Functions run in the bundled harness; build it once when a fresh checkout has none. */
export function ensureHarnessBuilt(): void {
  if (existsSync(join(repositoryRoot, 'dist', 'harness.js'))) return;
  execFileSync('npm', ['run', 'build'], { cwd: repositoryRoot, stdio: 'ignore', timeout: 120_000 });
}

export async function createProject(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'nimbus-gateway-'));
  await writeFiles(root, files);
  return root;
}

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), text);
  }
}

export interface ServedProject {
  root: string;
  gateway: Gateway;
  executor: Executor;
  logger: RecordingLogger;
  url: string;
  /** Every finished invocation, in order. */
  invocations: GatewayInvocation[];
  dispose(): Promise<void>;
}

export async function serve(files: Record<string, string>, options: Partial<GatewayOptions> = {}): Promise<ServedProject> {
  ensureHarnessBuilt();
  const root = await createProject(files);
  const logger = new RecordingLogger();
  const executor = createExecutor({ cacheDir: join(root, '.nimbus', 'cache'), logger });
  const gateway = new Gateway({ manifestPath: join(root, 'nimbus.yaml'), executor, logger, port: 0, reloadDebounceMs: 30, ...options });
  const invocations: GatewayInvocation[] = [];
  gateway.onDidInvoke((invocation) => invocations.push(invocation));
  const dispose = async () => {
    await gateway.dispose();
    await executor.dispose();
    await rm(root, { recursive: true, force: true });
  };
  try {
    const { url } = await gateway.start();
    return { root, gateway, executor, logger, url, invocations, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The next value of an event that satisfies the predicate, or a rejection after `timeoutMs`. */
export function next<T>(event: Event<T>, predicate: (value: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = event((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolvePromise(value);
    });
  });
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
