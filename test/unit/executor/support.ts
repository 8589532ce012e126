// Test support for the executor suites: a built harness, fixture FunctionSpecs and temp cache dirs.

import { mkdtempSync, rmSync, statSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExecutorOptions, RunnableFunction } from '../../../src/executor/api';
import { createExecutor, type Executor } from '../../../src/executor/index';

const repositoryRoot = resolve(__dirname, '../../..');
export const fixturesFolder = join(repositoryRoot, 'test/fixtures/functions');

/** Builds dist/harness.js the way scripts/build.mjs does, when it is missing or older than its sources. */
export async function ensureHarness(): Promise<void> {
  const output = join(repositoryRoot, 'dist/harness.js');
  const sources = [join(repositoryRoot, 'src/executor/protocol.ts'), ...listTs(join(repositoryRoot, 'src/executor/harness'))];
  const newest = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (existsSync(output) && statSync(output).mtimeMs >= newest) return;
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { harness: join(repositoryRoot, 'src/executor/harness/main.ts') },
    outdir: join(repositoryRoot, 'dist'),
    bundle: true,
    sourcemap: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

function listTs(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

/** A FunctionSpec for a fixture file, as loadManifest would produce it. */
export function fixtureFunction(file: string, overrides: Partial<RunnableFunction> = {}): RunnableFunction {
  const handlerFile = join(fixturesFolder, file);
  return {
    name: file.replace(/\W+/g, '-'),
    handler: `${file.replace(/\.\w+$/, '')}.handler`,
    handlerFile,
    handlerExport: 'handler',
    runtime: 'node20',
    memory: 256,
    timeout: 10,
    env: {},
    concurrency: 10,
    instanceConcurrency: 1,
    network: false,
    triggers: [],
    ...overrides,
  };
}

export function temporaryFolder(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `nimbus-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * One executor for a describe block, on its own temp cache: created (with the harness built) before its tests,
 * disposed and removed after them. Read `.executor` inside tests.
 */
export function useExecutor(prefix: string, options: Omit<ExecutorOptions, 'cacheDir'> = {}): { readonly executor: Executor } {
  const cache = temporaryFolder(prefix);
  let executor: Executor | undefined;
  before(async () => {
    await ensureHarness();
    executor = createExecutor({ cacheDir: cache.path, ...options });
  });
  after(async () => {
    await executor?.dispose();
    cache.remove();
  });
  return {
    get executor(): Executor {
      if (!executor) throw new Error('the executor exists only while the tests of its describe block run');
      return executor;
    },
  };
}

/** Polls until `condition` holds, failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
