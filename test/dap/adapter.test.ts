// Debug adapter: a real DAP client drives the built adapter against real functions under a real inspector —
// breakpoints (first and later hits, conditions, hit counts, logpoints, mistakes in them), stepping across files and
// exceptions.

import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { closeClient, collectOutput, fixture, launchWithBreakpoints, startClient, stoppedAt, tsCjs } from './support';

describe('debug adapter: breakpoints and stepping', function () {
  this.timeout(30_000);
  let client: DebugClient | undefined;

  afterEach(async () => {
    await closeClient(client);
    client = undefined;
  });

  it('stops at a TypeScript line on the first hit, bound before the handler ran', async () => {
    client = await startClient();
    const stopped = client.waitForEvent('stopped');
    const changed = client.waitForEvent('breakpoint');
    const [breakpoints] = await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'orders', event: { label: 'first' } }, [
      { path: tsCjs.handler, lines: [11] },
    ]);
    // Set before the bundle loaded: unverified until V8 resolves it, then `changed` with the actual line.
    assert.equal(breakpoints!.body.breakpoints[0]!.verified, false);
    const resolved = (await changed) as DebugProtocol.BreakpointEvent;
    assert.equal(resolved.body.breakpoint.verified, true);
    assert.equal(resolved.body.breakpoint.line, 11);
    assert.equal(((await stopped) as DebugProtocol.StoppedEvent).body.reason, 'breakpoint');
    const top = await stoppedAt(client);
    assert.equal(top.source?.path, tsCjs.handler);
    assert.equal(top.line, 11);
    const label = await client.evaluateRequest({ expression: 'event.label', frameId: top.id, context: 'watch' });
    assert.equal(label.body.result, '"first"');
  });

  it('moves a breakpoint on a line without code to the next line that has code, and says so', async () => {
    client = await startClient();
    const stopped = client.waitForEvent('stopped');
    await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'orders' }, [{ path: tsCjs.handler, lines: [5] }]);
    await stopped;
    const top = await stoppedAt(client);
    assert.equal(top.line, 10);
  });

  it('hits again on a second event sent with nimbusInvoke, and binds breakpoints set while running', async () => {
    client = await startClient();
    const firstResult = client.waitForEvent('nimbusResult');
    await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'orders', event: { label: 'one' } });
    assert.deepEqual(((await firstResult).body as { result: unknown }).result, { total: 2, label: 'one', count: 1 });

    const set = await client.setBreakpointsRequest({ source: { path: tsCjs.orders }, breakpoints: [{ line: 13 }] });
    assert.equal(set.body.breakpoints[0]!.verified, true);
    assert.equal(set.body.breakpoints[0]!.line, 13);
    for (const label of ['two', 'three']) {
      const stopped = client.waitForEvent('stopped');
      const invoked: Promise<DebugProtocol.Response> = client.customRequest('nimbusInvoke', { event: { label, items: [{ sku: 'b', quantity: 2, price: 5 }] } });
      await stopped;
      const top = await stoppedAt(client);
      assert.equal(top.source?.path, tsCjs.orders);
      assert.equal(top.line, 13);
      await client.continueRequest({ threadId: 1 });
      const response: DebugProtocol.Response = await invoked;
      assert.deepEqual(response.body.result, { total: 10, label, count: 1 });
    }
  });

  it('stops on a conditional breakpoint only when its condition holds', async () => {
    client = await startClient();
    const stopped = client.waitForEvent('stopped');
    const items = ['a', 'b', 'c'].map((sku) => ({ sku, quantity: 1, price: 1 }));
    await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'orders', event: { items } }, [
      { path: tsCjs.orders, lines: [11], conditions: [{ condition: "item.sku === 'b'" }] },
    ]);
    await stopped;
    const top = await stoppedAt(client);
    const sku = await client.evaluateRequest({ expression: 'item.sku', frameId: top.id, context: 'watch' });
    assert.equal(sku.body.result, '"b"');
    const sum = await client.evaluateRequest({ expression: 'sum', frameId: top.id, context: 'watch' });
    assert.equal(sum.body.result, '1');
  });

  it('stops on a hit-count breakpoint from the given hit on', async () => {
    client = await startClient();
    const stopped = client.waitForEvent('stopped');
    const items = ['a', 'b', 'c', 'd'].map((sku) => ({ sku, quantity: 1, price: 1 }));
    await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'orders', event: { items } }, [
      { path: tsCjs.orders, lines: [11], conditions: [{ hitCondition: '3' }] },
    ]);
    await stopped;
    const top = await stoppedAt(client);
    const sku = await client.evaluateRequest({ expression: 'item.sku', frameId: top.id, context: 'watch' });
    assert.equal(sku.body.result, '"c"');
    const next = client.waitForEvent('stopped');
    await client.continueRequest({ threadId: 1 });
    await next;
    const fourth = await client.evaluateRequest({ expression: 'item.sku', frameId: (await stoppedAt(client)).id, context: 'watch' });
    assert.equal(fourth.body.result, '"d"');
  });

  it('logs through a logpoint without stopping', async () => {
    client = await startClient();
    const output = collectOutput(client);
    const result = client.waitForEvent('nimbusResult');
    let stops = 0;
    client.on('stopped', () => stops++);
    const items = ['a', 'b'].map((sku) => ({ sku, quantity: 1, price: 3 }));
    await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'orders', event: { items } }, [
      { path: tsCjs.orders, lines: [11], conditions: [{ logMessage: 'item {item.sku} costs {item.price}' }] },
    ]);
    await result;
    assert.equal(stops, 0);
    const lines = output.filter((event) => event.category === 'stdout').map((event) => event.output);
    assert.deepEqual(lines.slice(0, 2), ['item a costs 3\n', 'item b costs 3\n']);
  });

  it('logs through logpoints with hit counts, errors in place of values, braces in strings, {{ }} and object previews', async () => {
    client = await startClient();
    const output = collectOutput(client);
    const result = client.waitForEvent('nimbusResult');
    let stops = 0;
    client.on('stopped', () => stops++);
    // One logpoint per line of the loop body in looper.ts (lines 11-15), ten turns with i = 1..10.
    const [set] = await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'looper' }, [
      {
        path: tsCjs.looper,
        lines: [11, 12, 13, 14, 15],
        conditions: [
          { logMessage: 'i={i}', hitCondition: '>8' },
          { logMessage: 'm={nosuch}' },
          { logMessage: 's={"}"} t={`x${i}`}' },
          { logMessage: 'braces {{literal}} i={i}' },
          { logMessage: 'c={counter}' },
        ],
      },
    ]);
    assert.deepEqual(set!.body.breakpoints.map((breakpoint) => breakpoint.message), Array(5).fill('Binds when the function loads.'));
    await result;
    assert.equal(stops, 0);
    const lines = output.filter((event) => event.category === 'stdout').map((event) => event.output.slice(0, -1));
    const turns = Array.from({ length: 10 }, (_, index) => index + 1);
    const starting = (prefix: string) => lines.filter((line) => line.startsWith(prefix));
    assert.deepEqual(starting('i='), ['i=9', 'i=10']);
    assert.deepEqual(starting('m='), turns.map(() => 'm={ReferenceError: nosuch is not defined}'));
    assert.deepEqual(starting('s='), turns.map((i) => `s=} t=x${i}`));
    assert.deepEqual(starting('braces'), turns.map((i) => `braces {literal} i=${i}`));
    assert.deepEqual(starting('c='), turns.map(() => 'c=Counter { count: 1 }'));
    const located = output.find((event) => event.output === 'i=9\n');
    assert.equal(located?.source?.path, tsCjs.looper);
    assert.equal(located?.line, 11);
  });

  it('reports a condition or a logpoint expression with a syntax error on the breakpoint instead of never stopping', async () => {
    client = await startClient();
    const [set] = await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'orders' }, [
      { path: tsCjs.orders, lines: [11, 13], conditions: [{ condition: 'syntax error(' }, { logMessage: 'sum is {sum +}' }] },
    ]);
    const [condition, logpoint] = set!.body.breakpoints;
    assert.equal(condition!.verified, false);
    assert.match(condition!.message ?? '', /condition "syntax error\(" .*SyntaxError: /i);
    assert.equal(logpoint!.verified, false);
    assert.match(logpoint!.message ?? '', /\{sum \+\} .*SyntaxError: /);
    // Set while the function runs, too.
    const later = await client.setBreakpointsRequest({ source: { path: tsCjs.handler }, breakpoints: [{ line: 11, condition: 'a b' }] });
    assert.equal(later.body.breakpoints[0]!.verified, false);
    assert.match(later.body.breakpoints[0]!.message ?? '', /SyntaxError: /);
  });

  it('steps in across files, out and over, staying in source coordinates', async () => {
    client = await startClient();
    let stopped = client.waitForEvent('stopped');
    await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'orders' }, [{ path: tsCjs.handler, lines: [11] }]);
    await stopped;

    const step = async (request: () => Promise<unknown>) => {
      stopped = client!.waitForEvent('stopped');
      await request();
      assert.equal(((await stopped) as DebugProtocol.StoppedEvent).body.reason, 'step');
      return stoppedAt(client!);
    };
    const inside = await step(() => client!.stepInRequest({ threadId: 1 }));
    assert.equal(inside.source?.path, tsCjs.orders);
    assert.equal(inside.line, 9);
    const over = await step(() => client!.nextRequest({ threadId: 1 }));
    assert.equal(over.line, 10);
    const out = await step(() => client!.stepOutRequest({ threadId: 1 }));
    // V8 finishes the caller's statement (the assignment) on the way out and stops at the next one.
    assert.equal(out.source?.path, tsCjs.handler);
    assert.equal(out.line, 12);
    const after = await step(() => client!.nextRequest({ threadId: 1 }));
    assert.equal(after.line, 13);
  });

  it('stops on a caught exception with "Caught Exceptions", with its message', async () => {
    client = await startClient();
    const stopped = client.waitForEvent('stopped');
    await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'thrower', event: { mode: 'caught' } }, [], ['all']);
    const event = (await stopped) as DebugProtocol.StoppedEvent;
    assert.equal(event.body.reason, 'exception');
    assert.match(event.body.text ?? '', /caught boom/);
    const top = await stoppedAt(client);
    assert.equal(top.source?.path, fixture('ts-cjs', 'src', 'thrower.ts'));
    assert.equal(top.line, 5);
    const info = await client.exceptionInfoRequest({ threadId: 1 });
    assert.match(info.body.description ?? '', /Error: caught boom/);
  });

  it('stops with "Uncaught Exceptions" on throws that escape the handler, before or after an await, and on no caught one', async () => {
    client = await startClient();
    const stops: DebugProtocol.StoppedEvent[] = [];
    client.on('stopped', (event) => stops.push(event as DebugProtocol.StoppedEvent));
    const caughtResult = client.waitForEvent('nimbusResult');
    await launchWithBreakpoints(client, { manifest: tsCjs.manifest, function: 'thrower', event: { mode: 'caught' } }, [], ['uncaught']);
    assert.deepEqual(((await caughtResult).body as { result: unknown }).result, { recovered: 'caught boom' });
    const awaited = await client.customRequest('nimbusInvoke', { event: { mode: 'awaited' } });
    assert.deepEqual(awaited.body.result, { recovered: 'awaited boom' });
    assert.equal(stops.length, 0);

    for (const [mode, message, line] of [
      [undefined, 'uncaught boom', 18],
      ['late', 'late boom', 23],
    ] as const) {
      const stopped = client.waitForEvent('stopped');
      const invoked: Promise<DebugProtocol.Response> = client.customRequest('nimbusInvoke', { event: { mode } });
      const event = (await stopped) as DebugProtocol.StoppedEvent;
      assert.equal(event.body.reason, 'exception');
      assert.match(event.body.text ?? '', new RegExp(message));
      const top = await stoppedAt(client);
      assert.equal(top.source?.path, fixture('ts-cjs', 'src', 'thrower.ts'));
      assert.equal(top.line, line);
      await client.continueRequest({ threadId: 1 });
      const response: DebugProtocol.Response = await invoked;
      assert.equal(response.body.error.errorMessage, message);
    }
  });
});
