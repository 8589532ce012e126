// Debug adapter: session lifecycle against real functions — JS, TS-CommonJS and TS-ESM projects, stopOnEntry,
// `serve` with a real HTTP request, timeouts and the time left held while paused, `pause` in an infinite loop, the
// function ending its own process or timing out, no orphan processes after disconnect, launch errors as sentences,
// and the session run inline (in the editor's process).

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { OutputEvent } from '@vscode/debugadapter';
import { NimbusDebugSession } from '../../src/debug/session';
import { silentLogger } from '../../src/shared/logger';
import { adapterPid, cliFile, collectOutput, commandLine, descendants, ensureBuilt, fixture, isAlive, launchWithBreakpoints, parentOf, stoppedAt, tsCjs, useDebugClient, waitUntil } from './support';

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

describe('debug adapter: sessions', function () {
  this.timeout(30_000);
  const session = useDebugClient();

  it('debugs a JavaScript project: stops in a helper file and sees module state', async () => {
    const stopped = session.client.waitForEvent('stopped');
    const helper = fixture('js', 'src', 'describe.js');
    await launchWithBreakpoints(session.client, { manifest: fixture('js', 'nimbus.yaml'), function: 'counter' }, [{ path: helper, lines: [4] }]);
    await stopped;
    const top = await stoppedAt(session.client);
    assert.equal(top.source?.path, helper);
    assert.equal(top.line, 4);
    const text = await session.client.evaluateRequest({ expression: 'text', frameId: top.id, context: 'watch' });
    // The default event is the template of the function's first trigger: a scheduled event.
    assert.equal(text.body.result, '"aws.events #1"');
  });

  it('debugs a TypeScript ES-module project driven by a trigger template', async () => {
    const output = collectOutput(session.client);
    const stopped = session.client.waitForEvent('stopped');
    const greet = fixture('ts-esm', 'src', 'greet.ts');
    await launchWithBreakpoints(session.client, { manifest: fixture('ts-esm', 'nimbus.yaml'), function: 'greeter', trigger: 'queue' }, [{ path: greet, lines: [4] }]);
    await stopped;
    const top = await stoppedAt(session.client);
    assert.equal(top.source?.path, greet);
    assert.equal(top.line, 4);
    const trace = await session.client.stackTraceRequest({ threadId: 1 });
    const paths = trace.body.stackFrames.map((frame) => frame.source?.path ?? frame.source?.name);
    assert.ok(paths.includes(fixture('ts-esm', 'src', 'handler.ts')), paths.join(', '));
    // Just my code: neither the harness nor Node's internals are shown.
    assert.ok(paths.every((path) => !/harness|^node:/.test(path ?? '')), paths.join(', '));
    // greeter has a queue trigger: no note about a template of a trigger it lacks.
    assert.ok(!output.some((event) => event.output.startsWith('note: ')), output.map((event) => event.output).join(''));
  });

  it('says so when the trigger of the template is not one of the function\'s', async () => {
    const output = collectOutput(session.client);
    const result = session.client.waitForEvent('nimbusResult');
    await launchWithBreakpoints(session.client, { manifest: fixture('js', 'nimbus.yaml'), function: 'counter', trigger: 'storage' });
    await result;
    const note = output.find((event) => event.output.startsWith('note: '));
    assert.match(note?.output ?? '', /^note: counter has no storage trigger \(its triggers are schedule\); it gets the storage template event anyway\.\n$/, output.map((event) => event.output).join(''));
  });

  it("debugs a function while another one's handler does not parse, with a warning naming where", async () => {
    const output = collectOutput(session.client);
    const result = session.client.waitForEvent('nimbusResult');
    await launchWithBreakpoints(session.client, { manifest: fixture('broken-sibling', 'nimbus.yaml'), function: 'ok' });
    assert.deepEqual(((await result).body as { result: unknown }).result, { fine: true });
    const warning = output.find((event) => event.category === 'console' && event.output.startsWith('warning: '));
    assert.match(warning?.output ?? '', /could not read the exports of src\/broken\.ts: src\/broken\.ts:2:16: Unexpected ";"/, output.map((event) => event.output).join(''));
  });

  it('stops on entry when asked, before the handler module ran', async () => {
    const stopped = session.client.waitForEvent('stopped');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'orders', stopOnEntry: true });
    assert.equal(((await stopped) as DebugProtocol.StoppedEvent).body.reason, 'entry');
    const top = await stoppedAt(session.client);
    assert.equal(top.source?.path !== undefined, true);
    const result = session.client.waitForEvent('nimbusResult');
    await session.client.continueRequest({ threadId: 1 });
    assert.deepEqual(((await result).body as { result: unknown }).result, { total: 2, label: 'default', count: 1 });
  });

  it('serves HTTP under the debugger: a real request stops at the breakpoint and gets the response', async () => {
    const stopped = session.client.waitForEvent('stopped');
    const serving = session.client.waitForEvent('nimbusServe');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'orders', serve: true, port: 0 }, [{ path: tsCjs.handler, lines: [12] }]);
    const { url } = (await serving).body as { url: string };
    const response = fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(15_000) });
    await stopped;
    const top = await stoppedAt(session.client);
    assert.equal(top.line, 12);
    const method = await session.client.evaluateRequest({ expression: 'event.requestContext.http.method', frameId: top.id, context: 'watch' });
    assert.equal(method.body.result, '"POST"');
    await session.client.continueRequest({ threadId: 1 });
    const answered = await response;
    assert.equal(answered.status, 200);
    assert.deepEqual(await answered.json(), { total: 2, label: 'default', count: 1 });
  });

  it('does not count paused time toward the timeout', async () => {
    // `patient` has timeout: 1 (second); it stays paused for longer and still succeeds.
    const stopped = session.client.waitForEvent('stopped');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'patient' }, [{ path: tsCjs.handler, lines: [11] }]);
    await stopped;
    await new Promise((done) => setTimeout(done, 1500));
    const result = session.client.waitForEvent('nimbusResult');
    await session.client.continueRequest({ threadId: 1 });
    const body = (await result).body as { result?: unknown; error?: unknown };
    assert.equal(body.error, undefined);
    assert.deepEqual(body.result, { total: 2, label: 'default', count: 1 });
  });

  it('does not count paused time in context.getRemainingTimeInMillis(): after a stop, after an await, and in the REPL', async () => {
    // `clock` has timeout: 2 (seconds) and reads the time left on lines 3 and 5 (after an await).
    let stopped = session.client.waitForEvent('stopped');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'clock' }, [{ path: tsCjs.clock, lines: [3, 5] }]);
    await stopped;
    await delay(1000);
    stopped = session.client.waitForEvent('stopped');
    await session.client.continueRequest({ threadId: 1 });
    await stopped;
    const top = await stoppedAt(session.client);
    assert.equal(top.line, 5);
    await delay(600);
    const left = await session.client.evaluateRequest({ expression: 'context.getRemainingTimeInMillis()', frameId: top.id, context: 'repl' });
    assert.ok(Number(left.body.result) > 1700, `REPL: ${left.body.result} ms left`);
    await delay(400);
    const result = session.client.waitForEvent('nimbusResult');
    await session.client.continueRequest({ threadId: 1 });
    const body = (await result).body as { result?: { before: number; after: number }; error?: unknown };
    assert.equal(body.error, undefined);
    assert.ok(body.result!.before > 1800, `before: ${body.result!.before} ms left`);
    assert.ok(body.result!.after > 1700, `after: ${body.result!.after} ms left`);
  });

  it('says the function called process.exit when it ends its own process', async () => {
    const output = collectOutput(session.client);
    const terminated = session.client.waitForEvent('terminated');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'exiter', event: { code: 3 } });
    await terminated;
    const ended = output.find((event) => event.category === 'console' && event.output.startsWith("The function's process"));
    assert.match(ended?.output ?? '', /called process\.exit\(3\)/, output.map((event) => event.output).join(''));
    assert.doesNotMatch(ended!.output, /SIGKILL/);
  });

  it('answers nimbusInvoke once a timeout ended the function with an error saying to restart, and reports no result for it', async () => {
    // `stuck` spins with timeout: 1 (second), so the launch event times out and the instance is stopped.
    const results: unknown[] = [];
    session.client.on('nimbusResult', (event: DebugProtocol.Event) => results.push(event.body));
    const timedOut = session.client.waitForEvent('nimbusResult');
    const terminated = session.client.waitForEvent('terminated');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'stuck', event: { spin: true } });
    assert.equal(((await timedOut).body as { error?: { errorType: string } }).error?.errorType, 'Sandbox.Timedout');
    // Right away (the process may not have been reaped yet) and once the session said it terminated.
    await assert.rejects(session.client.customRequest('nimbusInvoke', { event: {} }), /no longer running.*restart/i);
    await terminated;
    await assert.rejects(session.client.customRequest('nimbusInvoke', { event: {} }), /no longer running.*restart/i);
    await delay(200);
    assert.equal(results.length, 1, JSON.stringify(results));
  });

  it('pauses a real infinite loop, and the function finishes once the loop is released', async () => {
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'spinner', event: { spin: true } });
    // Into the loop first: a pause as the handler starts stops before it (the next test).
    await new Promise((done) => setTimeout(done, 300));
    const stopped = session.client.waitForEvent('stopped');
    await session.client.pauseRequest({ threadId: 1 });
    assert.equal(((await stopped) as DebugProtocol.StoppedEvent).body.reason, 'pause');
    const top = await stoppedAt(session.client);
    const frames = (await session.client.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    const where = frames.map((frame) => `${frame.name} ${frame.source?.path ?? frame.source?.name}:${frame.line}`).join(' < ');
    assert.equal(top.source?.path, fixture('ts-cjs', 'src', 'spinner.ts'), where);
    assert.ok(top.line === 4 || top.line === 5, where);
    await session.client.evaluateRequest({ expression: 'event.spin = false', frameId: top.id, context: 'repl' });
    const result = session.client.waitForEvent('nimbusResult');
    await session.client.continueRequest({ threadId: 1 });
    const body = (await result).body as { result: { turns: number } };
    assert.ok(body.result.turns > 0);
  });

  it('a pause as the handler starts stops in the handler, not in Node internals it calls', async () => {
    // Sent right after the launch, the pause can land in Node's promise hooks as the async handler begins.
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'spinner', event: { spin: true } });
    const stopped = session.client.waitForEvent('stopped');
    await session.client.pauseRequest({ threadId: 1 });
    await stopped;
    const top = await stoppedAt(session.client);
    const frames = (await session.client.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(top.source?.path, fixture('ts-cjs', 'src', 'spinner.ts'), frames.map((frame) => `${frame.name} ${frame.source?.path ?? frame.source?.name}:${frame.line}`).join(' < '));
    await session.client.evaluateRequest({ expression: 'event.spin = false', frameId: top.id, context: 'repl' });
    const result = session.client.waitForEvent('nimbusResult');
    await session.client.continueRequest({ threadId: 1 });
    assert.ok(((await result).body as { result: { turns: number } }).result.turns >= 0);
  });

  it('kills the function on disconnect and leaves no process behind', async () => {
    const stopped = session.client.waitForEvent('stopped');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'orders' }, [{ path: tsCjs.handler, lines: [11] }]);
    await stopped;
    const adapter = adapterPid(session.client);
    const started = descendants(adapter);
    assert.ok(started.length > 0, 'the function runs in a child process of the adapter');
    await session.client.disconnectRequest({ terminateDebuggee: true });
    await waitUntil(() => started.every((pid) => !isAlive(pid)) && !isAlive(adapter), 5000, 'the function and the adapter to exit');
  });

  it('runs the same adapter as `nimbus debug-adapter`, which exits when its client goes away', async () => {
    ensureBuilt();
    const child = spawn(process.execPath, [cliFile, 'debug-adapter'], { cwd: fixture('ts-cjs'), stdio: ['pipe', 'pipe', 'ignore'] });
    try {
      const answered = new Promise<DebugProtocol.InitializeResponse>((resolve, reject) => {
        let buffered = '';
        const timer = setTimeout(() => reject(new Error('no initialize response within 10 s')), 10_000);
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += String(chunk);
          const body = /Content-Length: (\d+)\r\n\r\n/.exec(buffered);
          if (!body) return;
          const start = body.index + body[0].length;
          if (buffered.length < start + Number(body[1])) return;
          clearTimeout(timer);
          resolve(JSON.parse(buffered.slice(start, start + Number(body[1]))));
        });
      });
      const request = JSON.stringify({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'nimbus' } });
      child.stdin.write(`Content-Length: ${Buffer.byteLength(request)}\r\n\r\n${request}`);
      const response = await answered;
      assert.equal(response.success, true);
      assert.equal(response.body?.supportsConditionalBreakpoints, true);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.stdin.end();
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    }
  });

  it('traces every DAP and CDP message by tag on stderr with trace: true', async () => {
    // Whole text, split when asked: a chunk can end in the middle of a line.
    let stderr = '';
    (session.client as unknown as { _adapterProcess: { stderr: NodeJS.ReadableStream } })._adapterProcess.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
    const result = session.client.waitForEvent('nimbusResult');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'orders', trace: true }, [{ path: tsCjs.orders, lines: [11], conditions: [{ logMessage: 'traced' }] }]);
    await result;
    const tagged = (tag: string, text: string) => stderr.split('\n').some((line) => line.includes(` ${tag} `) && line.includes(text));
    // The trace goes to stderr, the event itself to stdout: the trace line may arrive a moment after the event.
    const deadline = Date.now() + 2000;
    while (!tagged('dap event', '"event":"nimbusResult"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(tagged('dap request', '"command":"launch"'), 'launch request traced');
    assert.ok(tagged('dap event', '"event":"nimbusResult"'), 'result event traced');
    assert.ok(tagged('cdp send', '"method":"Debugger.setBreakpointByUrl"'), 'CDP command traced');
    assert.ok(tagged('cdp receive', '"breakpointId"'), 'CDP answer traced');
    assert.ok(tagged('cdp event', '"method":"Debugger.scriptParsed"'), 'CDP event traced');
  });

  it('answers launch errors with a sentence: unknown function, bad arguments, manifest and build errors', async () => {
    await assert.rejects(session.client.launch({ type: 'nimbus', request: 'launch', manifest: tsCjs.manifest, function: 'nope' }), /No function 'nope'.*orders/);
    await assert.rejects((await session.restart()).launch({ type: 'nimbus', request: 'launch', manifest: tsCjs.manifest, function: 'orders', trigger: 'pigeon' }), /"trigger" must be one of http, storage, queue, schedule/);
    await assert.rejects((await session.restart()).launch({ type: 'nimbus', request: 'launch', manifest: fixture('missing', 'nimbus.yaml'), function: 'orders' }), /nimbus\.yaml/);
    await assert.rejects((await session.restart()).launch({ type: 'nimbus', request: 'launch', manifest: fixture('broken', 'nimbus.yaml'), function: 'broken' }), /handler\.ts:3/);
  });
});

describe('debug adapter: inline in the editor process', function () {
  this.timeout(30_000);
  let session: NimbusDebugSession | undefined;

  afterEach(() => {
    session?.dispose();
    session = undefined;
  });

  /** The session as VS Code hosts it inline: requests in through handleMessage, responses and events out. */
  function inlineSession() {
    ensureBuilt();
    const hosted = new NimbusDebugSession({ cwd: fixture('ts-cjs'), logger: process.env.NIMBUS_TEST_STDERR === '1' ? undefined : silentLogger });
    session = hosted;
    const waiting = new Map<number, (response: DebugProtocol.Response) => void>();
    const events: DebugProtocol.Event[] = [];
    hosted.onDidSendMessage((message) => {
      const sent = message as DebugProtocol.ProtocolMessage;
      if (sent.type === 'response') waiting.get((sent as DebugProtocol.Response).request_seq)?.(sent as DebugProtocol.Response);
      if (sent.type === 'event') events.push(sent as DebugProtocol.Event);
    });
    let seq = 0;
    const request = (command: string, args?: unknown) =>
      new Promise<DebugProtocol.Response>((resolve) => {
        seq += 1;
        waiting.set(seq, resolve);
        hosted.handleMessage({ seq, type: 'request', command, arguments: args } as DebugProtocol.Request);
      });
    /** Launches `orders` with a breakpoint on line 11 and waits until it stops there. */
    const launchToBreakpoint = async (configuration: Record<string, unknown>) => {
      assert.equal((await request('initialize', { adapterID: 'nimbus', linesStartAt1: true, columnsStartAt1: true })).success, true);
      const launched = request('launch', configuration);
      await waitUntil(() => events.some((event) => event.event === 'initialized'), 10_000, 'the initialized event');
      await request('setBreakpoints', { source: { path: tsCjs.handler }, breakpoints: [{ line: 11 }] });
      await request('configurationDone');
      const launchResponse = await launched;
      assert.equal(launchResponse.success, true, launchResponse.message);
      await waitUntil(() => events.some((event) => event.event === 'stopped'), 10_000, 'the breakpoint to be hit');
      const trace = await request('stackTrace', { threadId: 1 });
      assert.equal((trace.body as DebugProtocol.StackTraceResponse['body']).stackFrames[0]?.line, 11);
    };
    return { session: hosted, request, events, launchToBreakpoint };
  }

  /** Child processes of this one started since `before`, but esbuild's service, which stays for the next bundle. */
  const functionProcesses = (before: Set<number>) => descendants(process.pid).filter((pid) => !before.has(pid) && !commandLine(pid).includes('esbuild'));

  it('runs in this process as VS Code hosts it (handleMessage / onDidSendMessage), and dispose() stops the function', async () => {
    const before = new Set(descendants(process.pid));
    const { session: hosted, launchToBreakpoint } = inlineSession();
    await launchToBreakpoint({ type: 'nimbus', request: 'launch', manifest: tsCjs.manifest, function: 'orders' });
    const started = functionProcesses(before);
    assert.ok(started.length > 0, 'the function runs in a child process of this one');
    hosted.dispose();
    await waitUntil(() => started.every((pid) => !isAlive(pid)), 5000, `the function to exit once the session is disposed: ${started.filter(isAlive).map(commandLine).join(', ')}`);
  });

  it('starts the function as the session is created (prepareLaunch), before the launch request, and launches with it', async () => {
    const before = new Set(descendants(process.pid));
    const { session: hosted, launchToBreakpoint } = inlineSession();
    const configuration = { type: 'nimbus', request: 'launch', name: 'Debug orders', manifest: tsCjs.manifest, function: 'orders' };
    hosted.prepareLaunch(configuration);
    // Children of this process only: the sandbox's own processes below an instance appear a moment after it.
    const instances = () => functionProcesses(before).filter((pid) => parentOf(pid) === process.pid);
    await waitUntil(() => instances().length > 0, 10_000, 'the function process to start before any request');
    const prepared = instances();
    await launchToBreakpoint({ ...configuration, __sessionId: 'added-by-vscode' });
    assert.deepEqual(instances().filter((pid) => !prepared.includes(pid)), [], 'the launch used the prepared instance, not a second one');
  });

  it('holds what a prepared launch says before the client listens, and sends it after the first response', async () => {
    ensureBuilt();
    const hosted = new NimbusDebugSession({ cwd: fixture('ts-cjs'), logger: silentLogger });
    session = hosted;
    hosted.prepareLaunch({ type: 'nimbus', request: 'launch', manifest: tsCjs.manifest, function: 'orders' });
    hosted.sendEvent(new OutputEvent('said while preparing\n', 'console'));
    const sent: DebugProtocol.ProtocolMessage[] = [];
    hosted.onDidSendMessage((message) => sent.push(message as DebugProtocol.ProtocolMessage));
    hosted.handleMessage({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'nimbus' } } as DebugProtocol.Request);
    await waitUntil(() => sent.length >= 2, 5000, 'the initialize response and the held event');
    assert.equal(sent[0]?.type, 'response');
    assert.equal((sent[1] as DebugProtocol.OutputEvent).body.output, 'said while preparing\n');
  });

  it('refuses a launch request that differs from the prepared configuration, and stops the prepared function', async () => {
    const before = new Set(descendants(process.pid));
    const { request } = inlineSession();
    session!.prepareLaunch({ type: 'nimbus', request: 'launch', manifest: tsCjs.manifest, function: 'orders' });
    await request('initialize', { adapterID: 'nimbus', linesStartAt1: true, columnsStartAt1: true });
    const response = await request('launch', { type: 'nimbus', request: 'launch', manifest: tsCjs.manifest, function: 'orders', trigger: 'queue' });
    assert.equal(response.success, false);
    assert.match(response.message ?? '', /differs from the configuration/);
    await waitUntil(() => functionProcesses(before).every((pid) => !isAlive(pid)), 5000, 'the prepared function to exit');
  });
});
