// Benchmark of the debug adapter: launch → first breakpoint hit and re-invoke (nimbusInvoke) → hit, next to the floor
// measured in the same run (spawn `node --inspect-brk` + WebSocket + Debugger.setBreakpointByUrl → paused, raw CDP).
// Run alone with `npx tsx test/bench/debug.ts [--runs N]` (builds dist/ first when it is missing).

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import WebSocket from 'ws';
import { formatTable, latencyRow, percentile, type BenchRow } from './stats';

const root = resolve(__dirname, '..', '..');
const adapterFile = join(root, 'dist', 'debugAdapter.js');
const fixture = join(root, 'test', 'fixtures', 'debug', 'ts-cjs');
const manifest = join(fixture, 'nimbus.yaml');
const handler = join(fixture, 'src', 'handler.ts');
const breakpointLine = 11;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** The floor: the least any debugger must do to stop at a line of a fresh node process. */
async function floorOnce(script: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--inspect-brk=127.0.0.1:0', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await withTimeout(
      new Promise<string>((resolveUrl) => {
        let text = '';
        child.stderr.on('data', (chunk: Buffer) => {
          text += chunk;
          const match = /ws:\/\/\S+/.exec(text);
          if (match) resolveUrl(match[0]);
        });
      }),
      10_000,
      'node --inspect-brk',
    );
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await withTimeout(new Promise<void>((open, fail) => socket.once('open', () => open()).once('error', fail)), 10_000, 'inspector connect');
    let nextId = 1;
    const send = (method: string, params: Record<string, unknown> = {}) => socket.send(JSON.stringify({ id: nextId++, method, params }));
    const hit = new Promise<void>((resolveHit) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.method !== 'Debugger.paused') return;
        if (message.params.hitBreakpoints?.length) resolveHit();
        else send('Debugger.resume');
      });
    });
    send('Runtime.enable');
    send('Debugger.enable');
    send('Debugger.setBreakpointByUrl', { url: pathToFileURL(script).href, lineNumber: 1 });
    send('Runtime.runIfWaitingForDebugger');
    await withTimeout(hit, 10_000, 'breakpoint hit');
    const elapsed = performance.now() - started;
    socket.terminate();
    return elapsed;
  } finally {
    child.kill('SIGKILL');
  }
}

async function startAdapter(): Promise<DebugClient> {
  const client = new DebugClient(process.execPath, adapterFile, 'nimbus', { cwd: root });
  client.defaultTimeout = 15_000;
  await client.start();
  return client;
}

async function stop(client: DebugClient): Promise<void> {
  // A stuck disconnect falls back to killing the adapter process (the test-support client keeps that method private).
  await withTimeout(client.stop(), 8000, 'adapter stop').catch(() => (client as unknown as { stopAdapter(): void }).stopAdapter());
}

/** Launches with one breakpoint set during configuration; resolves at the first stop. */
async function launchToHit(client: DebugClient): Promise<void> {
  const stopped = client.waitForEvent('stopped');
  const configured = client.waitForEvent('initialized').then(async () => {
    await client.setBreakpointsRequest({ source: { path: handler }, breakpoints: [{ line: breakpointLine }] });
    await client.configurationDoneRequest();
  });
  await Promise.all([configured, client.launchRequest({ type: 'nimbus', request: 'launch', manifest, function: 'orders' } as never), stopped]);
}

export async function benchDebug({ runs = 10 }: { runs?: number } = {}): Promise<BenchRow[]> {
  if (!existsSync(adapterFile)) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'ignore' });
  const folder = mkdtempSync(join(tmpdir(), 'nimbus-bench-debug-'));
  const script = join(folder, 'target.js');
  writeFileSync(script, 'function target(x) {\n  return x + 1;\n}\ntarget(1);\n');
  const floor: number[] = [];
  const adapterLaunch: number[] = [];
  const launch: number[] = [];
  const reinvoke: number[] = [];
  try {
    // One untimed session first: it bundles the function into its cache, as any session after an edit would.
    const warm = await startAdapter();
    await warm.initializeRequest();
    await launchToHit(warm);
    await stop(warm);
    for (let run = 0; run < runs; run++) {
      floor.push(await floorOnce(script));

      const spawned = performance.now();
      const client = await startAdapter();
      // Answered initialize: the adapter process is up and its code loaded.
      await client.initializeRequest();
      const launched = performance.now();
      await launchToHit(client);
      const hit = performance.now();
      adapterLaunch.push(hit - spawned);
      launch.push(hit - launched);

      const result = client.waitForEvent('nimbusResult');
      await client.continueRequest({ threadId: 1 });
      await result;
      const again = performance.now();
      const stopped = client.waitForEvent('stopped');
      const invoked = client.customRequest('nimbusInvoke', { event: { label: `run ${run}` } });
      await stopped;
      reinvoke.push(performance.now() - again);
      await client.continueRequest({ threadId: 1 });
      await invoked;
      await stop(client);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  const floorP50 = percentile(floor, 50);
  const ratio = (samples: number[]) => `${(percentile(samples, 50) / floorP50).toFixed(2)}× floor`;
  return [
    latencyRow('floor: node --inspect-brk + ws + setBreakpointByUrl → paused', floor, 'raw CDP, no adapter'),
    latencyRow('launch → first breakpoint hit (adapter initialized)', launch, `${ratio(launch)}; goal ≤ 1.5×`),
    latencyRow('adapter spawn + initialize + launch → first hit (F5)', adapterLaunch, ratio(adapterLaunch)),
    latencyRow('re-invoke (nimbusInvoke) → hit', reinvoke, 'goal < 30 ms'),
  ];
}

if (require.main === module) {
  const runsFlag = process.argv.indexOf('--runs');
  benchDebug({ runs: runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 10 })
    .then((rows) => process.stdout.write(formatTable('Debug adapter', rows) + '\n'))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
