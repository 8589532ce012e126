// Benchmark of the local engine: cold start, warm invoke and throughput, next to the floors and to peers run in
// the same process and the same run (lambda-local in-process; Miniflare's workerd).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor } from '../../src/executor';
import type { SandboxLevel } from '../../src/executor/api';
import { builtinDefaults, type FunctionSpec } from '../../src/shared/manifest/model';
import { latencyRow, sample, throughput, type BenchRow } from './stats';

export interface EngineBenchOptions {
  coldRuns: number;
  warmRuns: number;
  throughputCalls: number;
}

const handlerSource = 'exports.handler = async (event) => ({ ok: true, echo: event.n });\n';

function trivialFunction(root: string, name: string, concurrency: number): FunctionSpec {
  return {
    ...builtinDefaults,
    name,
    handler: 'index.handler',
    handlerFile: join(root, 'index.js'),
    handlerExport: 'handler',
    env: {},
    network: false,
    concurrency,
    triggers: [],
  };
}

async function nimbusRows(root: string, sandbox: SandboxLevel, options: EngineBenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const executor = createExecutor({ cacheDir: join(root, '.cache'), sandbox, idleTimeoutMs: 60_000 });
  try {
    const fn = trivialFunction(root, 'trivial', 4);
    await executor.bundle(fn);
    const initDurations: number[] = [];
    const cold = await sample(options.coldRuns, async () => {
      await executor.invalidate(fn.name);
      const outcome = await executor.invoke(fn, { n: 1 });
      if (outcome.report.initDurationMs !== undefined) initDurations.push(outcome.report.initDurationMs);
    });
    rows.push(latencyRow(`nimbus cold start (sandbox ${sandbox})`, cold, `invoke → result on a new instance`));
    const warm = await sample(options.warmRuns, () => executor.invoke(fn, { n: 2 }));
    rows.push(latencyRow(`nimbus warm invoke (sandbox ${sandbox})`, warm, 'one instance, sequential'));
    const opsPerSecond = await throughput(options.throughputCalls, 8, () => executor.invoke(fn, { n: 3 }));
    rows.push({ name: `nimbus throughput (sandbox ${sandbox})`, opsPerSecond, note: 'concurrency 4 instances, 8 in flight' });
    const shared = { ...fn, name: 'trivial-shared', concurrency: 1, instanceConcurrency: 8 };
    const sharedOpsPerSecond = await throughput(options.throughputCalls, 8, () => executor.invoke(shared, { n: 4 }));
    rows.push({ name: `nimbus throughput, shared instance (sandbox ${sandbox})`, opsPerSecond: sharedOpsPerSecond, note: 'one instance, instanceConcurrency 8, 8 in flight' });
  } finally {
    await executor.dispose();
  }
  return rows;
}

async function lambdaLocalRows(options: EngineBenchOptions): Promise<BenchRow[]> {
  const lambdaLocal = require('lambda-local') as {
    setLogger(logger: unknown): void;
    execute(options: Record<string, unknown>): Promise<unknown>;
  };
  const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {}, transports: [] };
  lambdaLocal.setLogger(quiet);
  const handler = async (event: { n: number }) => ({ ok: true, echo: event.n });
  const once = () => lambdaLocal.execute({ event: { n: 1 }, lambdaFunc: { handler }, timeoutMs: 3000, verboseLevel: 0 });
  const warm = await sample(options.warmRuns, once);
  const opsPerSecond = await throughput(options.throughputCalls, 8, once);
  return [
    latencyRow('lambda-local warm invoke', warm, 'in-process, no isolation'),
    { name: 'lambda-local throughput', opsPerSecond, note: 'in-process, 8 in flight' },
  ];
}

async function miniflareRows(options: EngineBenchOptions): Promise<BenchRow[]> {
  const { Miniflare } = require('miniflare') as typeof import('miniflare');
  const script = 'export default { async fetch(request) { return Response.json({ ok: true }); } }';
  const cold = await sample(Math.min(options.coldRuns, 5), async () => {
    const instance = new Miniflare({ modules: true, script });
    await (await instance.dispatchFetch('http://localhost/')).text();
    await instance.dispose();
  });
  const miniflare = new Miniflare({ modules: true, script });
  try {
    const once = async () => (await miniflare.dispatchFetch('http://localhost/')).text();
    await once();
    const warm = await sample(options.warmRuns, once);
    const opsPerSecond = await throughput(options.throughputCalls, 8, once);
    return [
      latencyRow('miniflare cold start', cold, 'new Miniflare → first response (workerd)'),
      latencyRow('miniflare warm fetch', warm, 'dispatchFetch, sequential'),
      { name: 'miniflare throughput', opsPerSecond, note: 'dispatchFetch, 8 in flight' },
    ];
  } finally {
    await miniflare.dispose();
  }
}

async function floorRows(options: EngineBenchOptions): Promise<BenchRow[]> {
  const spawnTimes: number[] = [];
  for (let i = 0; i < options.coldRuns; i++) {
    const start = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    spawnTimes.push(performance.now() - start);
  }
  // A single direct call is below the timer's resolution, so calls are timed in batches.
  const handler = async (event: { n: number }) => ({ ok: true, echo: event.n });
  const batch = 1000;
  const callTimes: number[] = [];
  for (let i = 0; i < options.warmRuns / 10; i++) {
    const start = performance.now();
    for (let j = 0; j < batch; j++) await handler({ n: j });
    callTimes.push((performance.now() - start) / batch);
  }
  return [
    latencyRow('floor: spawn `node -e 0`', spawnTimes, 'bare process start and exit'),
    latencyRow('floor: direct in-process call', callTimes, 'the handler awaited in the same process'),
  ];
}

export async function benchEngine(options: EngineBenchOptions): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'nimbus-bench-'));
  writeFileSync(join(root, 'index.js'), handlerSource);
  try {
    return [
      ...(await floorRows(options)),
      ...(await nimbusRows(root, 'strict', options)),
      ...(await nimbusRows(root, 'node', options)),
      ...(await lambdaLocalRows(options)),
      ...(await miniflareRows(options)),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
