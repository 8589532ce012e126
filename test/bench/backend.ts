// Benchmark of the companion backend: deploy latency end to end, and HTTP-trigger throughput and latency under a
// bounded autocannon load from a second process, next to a bare node:http server answering the same handler (the
// ceiling) and Miniflare's workerd HTTP server answering it (a peer that also isolates the function).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BackendClient, packageFunction } from '../../src/client';
import { createExecutor } from '../../src/executor';
import { functionByName, loadManifest } from '../../src/shared/manifest';
import { cpuPerRequest, treeCpu, type CpuPerRequest } from './cpu';
import { latencyRow, sample, type BenchRow } from './stats';

/** autocannon reports latency in whole milliseconds. */
export interface BackendBenchOptions {
  deployRuns: number;
  /** Seconds of load per connection count. */
  loadSeconds: number;
  connections: number[];
}

const root = resolve(__dirname, '../..');
const token = 'bench-token-0123456789';

const manifest = `service: bench
functions:
  hello:
    handler: src/hello.handler
    # Two cores: more instances than cores only adds switching; the backend queues a burst in front of them.
    concurrency: 4
    triggers:
      - http: { method: GET, path: /hello/{name} }
  hello-shared:
    handler: src/hello.handler
    # Cloud Run / Azure Functions semantics: one instance serves many invocations at once.
    concurrency: 2
    instanceConcurrency: 32
    triggers:
      - http: { method: GET, path: /shared/{name} }
`;

function handlerSource(revision: number): string {
  return `// revision ${revision}
export const handler = async (event: { pathParameters?: { name?: string } }) =>
  ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'hello ' + (event.pathParameters?.name ?? 'world') });
`;
}

/** Starts a process that prints its URL as its first line, and resolves with the URL. */
function startServer(command: string, args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolveStart, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 15 s:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveStart({ child, url: match[1] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** What one request cost in CPU: in the server's process tree (when its pid was given) and in the load generator. */
  cpu: { loadGeneratorUs: number; server?: CpuPerRequest };
}

/**
 * A bounded autocannon load from its own process (test/bench/loadgen.mjs), so the load generator shares no event loop
 * with the server; with the server's pid, the CPU its process tree spent is counted too.
 */
function load(url: string, connections: number, seconds: number, serverPid?: number): Promise<LoadResult> {
  return new Promise((resolveLoad, reject) => {
    const before = serverPid === undefined ? undefined : treeCpu(serverPid);
    const child = spawn(process.execPath, [join(__dirname, 'loadgen.mjs'), url, String(connections), String(seconds)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => {
      const after = serverPid === undefined ? undefined : treeCpu(serverPid);
      if (code !== 0) return reject(new Error(`the load generator exited with ${code}`));
      const { requests, cpuMs, ...result } = JSON.parse(output);
      const server = before && after && requests ? cpuPerRequest(before, after, requests) : undefined;
      resolveLoad({ ...result, cpu: { loadGeneratorUs: (cpuMs * 1000) / Math.max(1, requests), ...(server ? { server } : {}) } });
    });
  });
}

/** "CPU per request: …" for a row's note. */
function cpuNote(result: LoadResult, serverName: string, startedName?: string): string {
  const { server, loadGeneratorUs } = result.cpu;
  const us = (value: number) => `${value.toFixed(0)} µs`;
  const parts = server
    ? [
        `${serverName} ${us(server.processUs)}${startedName ? ` (event loop ${us(server.mainThreadUs)})` : ''}`,
        ...(startedName ? [`${startedName} ${us(server.descendantsUs)}`] : []),
      ]
    : [];
  return `CPU per request: ${[...parts, `load generator ${us(loadGeneratorUs)}`].join(', ')}`;
}

async function deployRows(project: string, backendUrl: string, runs: number): Promise<BenchRow[]> {
  const client = new BackendClient({ url: backendUrl, token });
  const executor = createExecutor({ cacheDir: join(project, '.nimbus', 'cache') });
  try {
    let revision = 0;
    const times = await sample(runs, async () => {
      // New content each time, so every run bundles, uploads and stores a new version for real.
      writeFileSync(join(project, 'src', 'hello.ts'), handlerSource(++revision));
      const spec = await loadManifest(join(project, 'nimbus.yaml'));
      const artifact = await packageFunction(spec, functionByName(spec, 'hello'), executor);
      await client.deploy('hello', artifact.tarball, artifact.sha256);
    });
    const spec = await loadManifest(join(project, 'nimbus.yaml'));
    const shared = await packageFunction(spec, functionByName(spec, 'hello-shared'), executor);
    await client.deploy('hello-shared', shared.tarball, shared.sha256);
    return [latencyRow('deploy (small TS function)', times, 'bundle → tar → upload → stored and serving')];
  } finally {
    await executor.dispose();
  }
}

/** Miniflare serving the same handler over HTTP on a loopback port (workerd, its own process). */
async function startMiniflare(): Promise<{ url: string; dispose(): Promise<void> }> {
  const { Miniflare } = require('miniflare') as typeof import('miniflare');
  const script = `export default { async fetch(request) {
    return new Response('hello ' + new URL(request.url).pathname.split('/').pop(), { headers: { 'content-type': 'text/plain' } });
  } }`;
  const miniflare = new Miniflare({ modules: true, script, host: '127.0.0.1', port: 0 });
  const url = (await miniflare.ready).origin;
  return { url, dispose: () => miniflare.dispose() };
}

export async function benchBackend(options: BackendBenchOptions): Promise<BenchRow[]> {
  const project = mkdtempSync(join(tmpdir(), 'nimbus-bench-backend-'));
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'nimbus.yaml'), manifest);
  writeFileSync(join(project, 'src', 'hello.ts'), handlerSource(0));
  const env = { ...process.env, NIMBUS_TOKEN: token };
  const rows: BenchRow[] = [];
  // Whatever started is stopped, also when a later server fails to start.
  const stops: (() => Promise<void>)[] = [];
  try {
    const backend = await startServer(
      process.execPath,
      [join(root, 'dist', 'backend.js'), '--port', '0', '--data', join(project, 'data')],
      env,
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    stops.push(() => stopServer(backend.child));
    const bare = await startServer(process.execPath, [join(__dirname, 'bareServer.mjs')], env, /(http:\/\/127\.0\.0\.1:\d+)/);
    stops.push(() => stopServer(bare.child));
    const miniflare = await startMiniflare();
    stops.push(() => miniflare.dispose());
    rows.push(...(await deployRows(project, backend.url, options.deployRuns)));
    // Warm the instances before measuring (cold starts are measured elsewhere).
    await load(`${backend.url}/fn/hello/bench`, Math.max(...options.connections), 2);
    await load(`${backend.url}/fn/shared/bench`, Math.max(...options.connections), 2);
    for (const connections of options.connections) {
      const ceiling = await load(`${bare.url}/hello/bench`, connections, options.loadSeconds, bare.child.pid);
      const peer = await load(`${miniflare.url}/hello/bench`, connections, options.loadSeconds);
      const trigger = await load(`${backend.url}/fn/hello/bench`, connections, options.loadSeconds, backend.child.pid);
      const sharedTrigger = await load(`${backend.url}/fn/shared/bench`, connections, options.loadSeconds, backend.child.pid);
      const shareOf = (result: LoadResult) => `${((result.requestsPerSecond / ceiling.requestsPerSecond) * 100).toFixed(0)}% of the ceiling`;
      rows.push({ name: `ceiling: bare node:http, ${connections} conn`, p50Ms: ceiling.p50Ms, p99Ms: ceiling.p99Ms, opsPerSecond: ceiling.requestsPerSecond, note: `handler in-process; ${cpuNote(ceiling, 'server')}` });
      rows.push({
        name: `peer: Miniflare HTTP server, ${connections} conn`,
        p50Ms: peer.p50Ms,
        p99Ms: peer.p99Ms,
        opsPerSecond: peer.requestsPerSecond,
        note: `${shareOf(peer)}, workerd isolate; ${cpuNote(peer, 'workerd')}`,
      });
      const triggerRow = (name: string, result: LoadResult): BenchRow => ({
        name,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        opsPerSecond: result.requestsPerSecond,
        note: `${shareOf(result)}, sandbox strict${result.non2xx || result.errors ? `, ${result.non2xx} non-2xx, ${result.errors} errors` : ''}; ${cpuNote(result, 'backend', 'instances')}`,
      });
      rows.push(triggerRow(`nimbus HTTP trigger, ${connections} conn`, trigger));
      rows.push(triggerRow(`nimbus HTTP trigger, 32 per instance, ${connections} conn`, sharedTrigger));
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(project, { recursive: true, force: true });
  }
  return rows;
}
