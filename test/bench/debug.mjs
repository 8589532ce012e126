// Benchmark of the debug adapter: launch → first breakpoint hit and re-invoke (nimbusInvoke) → hit, next to the floor
// measured in the same run (spawn `node --inspect-brk` + WebSocket + Debugger.setBreakpointByUrl → paused, raw CDP).
// Run alone with `node test/bench/debug.mjs [--runs N]` (builds dist/ first when it is missing).

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import testSupport from '@vscode/debugadapter-testsupport';
import WebSocket from 'ws';

const { DebugClient } = testSupport;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const adapterFile = join(root, 'dist', 'debugAdapter.js');
const fixture = join(root, 'test', 'fixtures', 'debug', 'ts-cjs');
const manifest = join(fixture, 'nimbus.yaml');
const handler = join(fixture, 'src', 'handler.ts');
const breakpointLine = 11;

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function row(name, samples, note) {
  return { name, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), note };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** The floor: the least any debugger must do to stop at a line of a fresh node process. */
async function floorOnce(script) {
  const started = performance.now();
  const child = spawn(process.execPath, ['--inspect-brk=127.0.0.1:0', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await withTimeout(
      new Promise((resolveUrl) => {
        let text = '';
        child.stderr.on('data', (chunk) => {
          text += chunk;
          const match = /ws:\/\/\S+/.exec(text);
          if (match) resolveUrl(match[0]);
        });
      }),
      10_000,
      'node --inspect-brk',
    );
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await withTimeout(new Promise((open, fail) => socket.once('open', open).once('error', fail)), 10_000, 'inspector connect');
    let nextId = 1;
    const send = (method, params = {}) => socket.send(JSON.stringify({ id: nextId++, method, params }));
    const hit = new Promise((resolveHit) => {
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

async function startAdapter() {
  const client = new DebugClient(process.execPath, adapterFile, 'nimbus', { cwd: root });
  client.defaultTimeout = 15_000;
  await client.start();
  return client;
}

async function stop(client) {
  await withTimeout(client.stop(), 8000, 'adapter stop').catch(() => client.stopAdapter());
}

/** Launches with one breakpoint set during configuration; resolves at the first stop. */
async function launchToHit(client) {
  const stopped = client.waitForEvent('stopped');
  const configured = client.waitForEvent('initialized').then(async () => {
    await client.setBreakpointsRequest({ source: { path: handler }, breakpoints: [{ line: breakpointLine }] });
    await client.configurationDoneRequest();
  });
  await Promise.all([configured, client.launchRequest({ type: 'nimbus', request: 'launch', manifest, function: 'orders' }), stopped]);
}

export async function benchDebug({ runs = 10 } = {}) {
  if (!existsSync(adapterFile)) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'ignore' });
  const folder = mkdtempSync(join(tmpdir(), 'nimbus-bench-debug-'));
  const script = join(folder, 'target.js');
  writeFileSync(script, 'function target(x) {\n  return x + 1;\n}\ntarget(1);\n');
  const floor = [];
  const adapterLaunch = [];
  const launch = [];
  const reinvoke = [];
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
  const ratio = (samples) => `${(percentile(samples, 50) / floorP50).toFixed(2)}× floor`;
  return [
    row('floor: node --inspect-brk + ws + setBreakpointByUrl → paused', floor, 'raw CDP, no adapter'),
    row('launch → first breakpoint hit (adapter initialized)', launch, `${ratio(launch)}; goal ≤ 1.5×`),
    row('adapter spawn + initialize + launch → first hit (F5)', adapterLaunch, ratio(adapterLaunch)),
    row('re-invoke (nimbusInvoke) → hit', reinvoke, 'goal < 30 ms'),
  ];
}

function formatTable(rows) {
  const header = ['', 'p50 ms', 'p99 ms', 'note'];
  const body = rows.map((entry) => [entry.name, entry.p50Ms.toFixed(1), entry.p99Ms.toFixed(1), entry.note ?? '']);
  const widths = header.map((_, column) => Math.max(header[column].length, ...body.map((line) => line[column].length)));
  const line = (cells) => '| ' + cells.map((text, column) => text.padEnd(widths[column])).join(' | ') + ' |';
  return ['### Debug adapter', '', line(header), '| ' + widths.map((width) => '-'.repeat(width)).join(' | ') + ' |', ...body.map(line), ''].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 10;
  benchDebug({ runs })
    .then((rows) => process.stdout.write(formatTable(rows) + '\n'))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
