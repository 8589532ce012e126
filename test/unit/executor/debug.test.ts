// Executor: the debug hook — an instance waits with its inspector open until a real CDP client releases it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { findBubblewrap } from '../../../src/executor/sandbox';
import { createExecutor, type DebugInstance, type Executor } from '../../../src/executor/index';
import { ensureHarness, fixtureFunction, temporaryFolder } from './support';

/** The smallest CDP client: numbered requests, and the notifications seen so far. */
class CdpClient {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  readonly notifications: { method: string; params: Record<string, unknown> }[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
      else if (message.method) this.notifications.push({ method: message.method, params: message.params ?? {} });
    });
  }

  static connect(url: string): Promise<CdpClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new CdpClient(socket)));
      socket.once('error', reject);
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Resolves with the first notification of `method` (seen already or arriving within `timeoutMs`). */
  async waitFor(method: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const note = this.notifications.find((candidate) => candidate.method === method);
      if (note) return note.params;
      if (Date.now() > deadline) throw new Error(`no ${method} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** Fails naming the step when `promise` takes longer than `ms`. */
async function bounded<T>(what: string, promise: Promise<T>, ms = 6000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

for (const level of ['node', 'strict'] as const) {
  describe(`executor: debug instances (sandbox '${level}')`, () => {
    const cache = temporaryFolder(`debug-${level}`);
    let executor: Executor;
    let instance: DebugInstance | undefined;
    let client: CdpClient | undefined;

    before(async () => {
      await ensureHarness();
      executor = createExecutor({ cacheDir: cache.path, sandbox: level });
    });
    afterEach(async () => {
      client?.close();
      await instance?.dispose();
    });
    after(async () => {
      await executor.dispose();
      cache.remove();
    });

    it('waits for a debugger, then loads the handler and serves invocations', async () => {
      const fn = fixtureFunction('ts-handler.ts', { name: `debug-${level}` });
      instance = await executor.startDebugInstance(fn);
      assert.match(instance.inspectorUrl, /^ws:\/\/127\.0\.0\.1:\d+\/[\w-]+$/);
      assert.ok(instance.bundle.file.endsWith('index.js'));
      assert.equal(instance.bundle.sourceMapFile, `${instance.bundle.file}.map`);

      let released = false;
      const ready = instance.ready.then(() => (released = true));
      client = await CdpClient.connect(instance.inspectorUrl);
      await client.send('Runtime.enable');
      await client.send('Debugger.enable');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(released, false, 'the handler is not loaded before the debugger releases it');
      await client.send('Runtime.runIfWaitingForDebugger');
      await ready;
      // The inspector's notifications travel on another channel than the instance's IPC: wait for it, bounded.
      const deadline = Date.now() + 5000;
      const parsedBundle = () =>
        client!.notifications.some((note) => note.method === 'Debugger.scriptParsed' && String(note.params.url).endsWith(instance!.bundle.file));
      while (!parsedBundle() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(parsedBundle(), 'the bundle was parsed under the debugger');

      const first = await instance.invoke({ name: 'debugger' });
      assert.deepEqual(first.result, { message: 'hello debugger' });
      assert.equal(first.coldStart, true);
      const second = await instance.invoke({ name: 'again' });
      assert.deepEqual(second.result, { message: 'hello again' });
      assert.equal(second.coldStart, false);
    });

    it('hides files outside its own folder even without the permission model', async function () {
      if (level !== 'strict' || !(await findBubblewrap())) this.skip();
      instance = await executor.startDebugInstance(fixtureFunction('behaviors.js', { name: `debug-${level}-shadow` }));
      client = await CdpClient.connect(instance.inspectorUrl);
      await client.send('Runtime.runIfWaitingForDebugger');
      await instance.ready;
      const outcome = await instance.invoke({ action: 'readShadow' });
      assert.ok(outcome.error, 'reading /etc/shadow must fail inside a debug instance');
      assert.match(outcome.error.errorMessage, /\/etc\/shadow/);
    });

    it('binds a breakpoint set before release, hit by the first invocation', async () => {
      const fn = fixtureFunction('ts-handler.ts', { name: `debug-breakpoint-${level}` });
      instance = await executor.startDebugInstance(fn);
      const lineNumber = readFileSync(instance.bundle.file, 'utf8')
        .split('\n')
        .findIndex((line) => line.includes('greet(event.name)'));
      assert.ok(lineNumber > 0);
      client = await CdpClient.connect(instance.inspectorUrl);
      await client.send('Debugger.enable');
      const breakpoint = (await client.send('Debugger.setBreakpointByUrl', { urlRegex: 'index\\.js$', lineNumber })) as { breakpointId: string };
      assert.ok(breakpoint.breakpointId);
      await client.send('Runtime.runIfWaitingForDebugger');
      const outcome = instance.invoke({ name: 'paused' });
      await client.waitFor('Debugger.paused', 5000);
      instance.setPaused(true);
      instance.setPaused(false);
      await client.send('Debugger.resume');
      assert.deepEqual((await outcome).result, { message: 'hello paused' });
    });

    it('stops the timeout clock while paused', async () => {
      const fn = fixtureFunction('behaviors.js', { name: `debug-pause-${level}`, timeout: 1 });
      // Each step bounded on its own: once, in CI under load, this test ran out of mocha's time without saying where.
      instance = await bounded('starting the instance', executor.startDebugInstance(fn));
      client = await bounded('connecting to its inspector', CdpClient.connect(instance.inspectorUrl));
      await bounded('releasing it', client.send('Runtime.runIfWaitingForDebugger'));
      await bounded('the handler to load', instance.ready);
      // Paused as a debugger would be: a 1.2 s invocation outlives the 1 s timeout without being killed.
      instance.setPaused(true);
      const result = await bounded('the invocation', instance.invoke({ action: 'sleep', ms: 1200 }));
      instance.setPaused(false);
      assert.equal((result.result as { slept: number }).slept, 1200);
      assert.ok(result.report.durationMs < 1000, `paused time is neither run time nor billed (got ${result.report.durationMs} ms)`);
    });

    it('reports its exit when disposed', async () => {
      const fn = fixtureFunction('ts-handler.ts', { name: `debug-exit-${level}` });
      instance = await executor.startDebugInstance(fn);
      const exited = new Promise((resolve) => instance!.onDidExit(resolve));
      await instance.dispose();
      assert.deepEqual(await exited, { code: null, signal: 'SIGKILL' });
    });
  });
}
