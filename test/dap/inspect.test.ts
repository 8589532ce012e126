// Debug adapter: what a paused function shows — scopes, nested variables with previews, evaluate, setVariable —
// and what it prints: output events, the result, the REPORT line and the nimbusResult event.

import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { collectOutput, launchWithBreakpoints, stoppedAt, tsCjs, useDebugClient } from './support';

async function variablesOf(client: DebugClient, reference: number): Promise<Map<string, DebugProtocol.Variable>> {
  const response = await client.variablesRequest({ variablesReference: reference });
  return new Map(response.body.variables.map((variable) => [variable.name, variable]));
}

describe('debug adapter: inspecting a paused function', function () {
  this.timeout(30_000);
  const session = useDebugClient();

  async function pauseAtReturn(): Promise<DebugProtocol.StackFrame> {
    const stopped = session.client.waitForEvent('stopped');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'orders', event: { label: 'inspect' } }, [{ path: tsCjs.handler, lines: [16] }]);
    await stopped;
    return stoppedAt(session.client);
  }

  it('shows scopes and lazily expands nested objects, arrays, Maps, Sets and Buffers with previews', async () => {
    const frame = await pauseAtReturn();
    const scopes = (await session.client.scopesRequest({ frameId: frame.id })).body.scopes;
    const names = scopes.map((scope) => scope.name);
    assert.equal(names[0], 'Local');
    assert.ok(names.includes('Global'), names.join(', '));
    assert.ok(names.includes('Module'), names.join(', '));
    // The module's own variables, without the bundler's helpers.
    const moduleNames = [...(await variablesOf(session.client, scopes[names.indexOf('Module')]!.variablesReference)).keys()];
    assert.ok(moduleNames.length > 0);
    assert.deepEqual(moduleNames.filter((name) => /^__/.test(name)), [], moduleNames.join(', '));
    const locals = await variablesOf(session.client, scopes[0]!.variablesReference);
    assert.equal(locals.get('total')!.value, '2');
    assert.equal(locals.get('label')!.value, '"inspect"');
    const details = locals.get('details')!;
    assert.match(details.value, /label: "inspect"/);
    assert.ok(details.variablesReference > 0);

    const fields = await variablesOf(session.client, details.variablesReference);
    const nested = await variablesOf(session.client, fields.get('nested')!.variablesReference);
    assert.equal(nested.get('level')!.value, '2');
    assert.equal(nested.get('tags')!.value, 'Array(2) ["x", "y"]');
    const tags = await variablesOf(session.client, nested.get('tags')!.variablesReference);
    assert.equal(tags.get('1')!.value, '"y"');
    assert.equal(tags.get('1')!.evaluateName, 'details.nested.tags[1]');
    assert.equal(fields.get('lookup')!.value, 'Map(1) {"k" => 1}');
    assert.equal(fields.get('unique')!.value, 'Set(2) {1, 2}');
    assert.match(fields.get('bytes')!.value, /^Buffer\(2\) \[104, 105\]$/);
    const entries = await variablesOf(session.client, fields.get('lookup')!.variablesReference);
    assert.ok(entries.has('[[Entries]]'));
  });

  it('evaluates in the selected frame for watch, hover and repl, and reports errors as a sentence', async () => {
    const frame = await pauseAtReturn();
    const watch = await session.client.evaluateRequest({ expression: 'total * 21', frameId: frame.id, context: 'watch' });
    assert.equal(watch.body.result, '42');
    const hover = await session.client.evaluateRequest({ expression: 'details.nested', frameId: frame.id, context: 'hover' });
    assert.equal(hover.body.result, '{level: 2, tags: Array(2)}');
    assert.ok(hover.body.variablesReference > 0);
    const repl = await session.client.evaluateRequest({ expression: 'items.map((item) => item.sku).join()', frameId: frame.id, context: 'repl' });
    assert.equal(repl.body.result, '"a"');
    await assert.rejects(session.client.evaluateRequest({ expression: 'missingName + 1', frameId: frame.id, context: 'repl' }), /missingName is not defined/);
  });

  it('completes variables in scope and properties in the REPL', async () => {
    const frame = await pauseAtReturn();
    const variables = await session.client.completionsRequest({ text: 'det', column: 4, frameId: frame.id });
    assert.deepEqual(variables.body.targets.map((target) => target.label), ['details']);
    const properties = await session.client.completionsRequest({ text: 'details.nested.ta', column: 18, frameId: frame.id });
    assert.deepEqual(properties.body.targets.map((target) => target.label), ['tags']);
    assert.equal(properties.body.targets[0]!.start, 16);
  });

  it('changes a variable with setVariable, and the function returns the new value', async () => {
    const frame = await pauseAtReturn();
    const scopes = (await session.client.scopesRequest({ frameId: frame.id })).body.scopes;
    const set = await session.client.setVariableRequest({ variablesReference: scopes[0]!.variablesReference, name: 'total', value: '40 + 2' });
    assert.equal(set.body.value, '42');
    const result = session.client.waitForEvent('nimbusResult');
    await session.client.continueRequest({ threadId: 1 });
    assert.deepEqual(((await result).body as { result: unknown }).result, { total: 42, label: 'inspect', count: 1 });
  });

  it('says why a variable cannot be changed right after a pause in a hot loop (and changes it after a step), and names a missing one', async () => {
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'spinner', event: { spin: true } });
    // Long enough in the loop for V8 to optimize it.
    await new Promise((done) => setTimeout(done, 500));
    let stopped = session.client.waitForEvent('stopped');
    await session.client.pauseRequest({ threadId: 1 });
    await stopped;
    const localsOf = async () => {
      const frame = await stoppedAt(session.client);
      return (await session.client.scopesRequest({ frameId: frame.id })).body.scopes[0]!.variablesReference;
    };
    let locals = await localsOf();
    // V8 refuses when it already runs the loop optimized, which on a busy machine may not have happened yet: what
    // matters is that a refusal is a sentence.
    const refusal = await session.client.setVariableRequest({ variablesReference: locals, name: 'turns', value: '7' }).then(
      () => undefined,
      (error: Error) => error,
    );
    if (refusal) {
      assert.match(refusal.message, /cannot be changed .*right now.*step/i);
      assert.doesNotMatch(refusal.message, /Internal error/);
    }
    await assert.rejects(session.client.setVariableRequest({ variablesReference: locals, name: 'nosuch', value: '1' }), /no variable "nosuch" in/i);
    stopped = session.client.waitForEvent('stopped');
    await session.client.nextRequest({ threadId: 1 });
    await stopped;
    locals = await localsOf();
    const set = await session.client.setVariableRequest({ variablesReference: locals, name: 'turns', value: '-1000000' });
    assert.equal(set.body.value, '-1000000');
    const frame = await stoppedAt(session.client);
    assert.ok(Number((await session.client.evaluateRequest({ expression: 'turns', frameId: frame.id, context: 'watch' })).body.result) < 0);
    await session.client.evaluateRequest({ expression: 'event.spin = false', frameId: frame.id, context: 'repl' });
    const result = session.client.waitForEvent('nimbusResult');
    await session.client.continueRequest({ threadId: 1 });
    assert.ok(((await result).body as { result: { turns: number } }).result.turns < 0);
  });

  it('answers scopes of a frame that is gone with an error the editor does not pop up (a step or continue raced it)', async () => {
    const frame = await pauseAtReturn();
    const result = session.client.waitForEvent('nimbusResult');
    await session.client.continueRequest({ threadId: 1 });
    await result;
    // The test client's send() keeps only the message; the raw response carries the error's showUser flag.
    const raw = session.client as unknown as { doSend(command: string, args: unknown, callback: (response: DebugProtocol.ErrorResponse) => void): void };
    const response = await new Promise<DebugProtocol.ErrorResponse>((resolve) => raw.doSend('scopes', { frameId: frame.id }, resolve));
    assert.equal(response.success, false);
    assert.match(response.body.error?.format ?? '', /stack frame is gone/);
    assert.equal(response.body.error?.showUser, false);
  });

  it('streams console output as stdout/stderr, then the result as JSON, the REPORT line and nimbusResult', async () => {
    const output = collectOutput(session.client);
    const result = session.client.waitForEvent('nimbusResult');
    await launchWithBreakpoints(session.client, { manifest: tsCjs.manifest, function: 'orders', event: { label: 'printed' } });
    const body = (await result).body as { requestId: string; result: unknown; durationMs: number; billedMs: number; maxMemoryMB: number; initDurationMs?: number };
    assert.deepEqual(body.result, { total: 2, label: 'printed', count: 1 });
    assert.match(body.requestId, /\S/);
    assert.ok(body.billedMs >= 1 && body.durationMs > 0 && body.maxMemoryMB > 0);
    const log = output.find((event) => event.output === 'total 2 for printed\n');
    assert.equal(log?.category, 'stdout');
    assert.equal(log?.source?.path, tsCjs.handler);
    assert.equal(log?.line, 13);
    const warning = output.find((event) => event.output.startsWith('tags 2'));
    assert.equal(warning?.category, 'stderr');
    const texts = output.map((event) => event.output);
    const json = texts.findIndex((text) => text === JSON.stringify(body.result, null, 2) + '\n');
    const report = texts.findIndex((text) => text.startsWith(`REPORT RequestId: ${body.requestId} Duration: `));
    assert.ok(json > texts.indexOf('total 2 for printed\n') && report > json, texts.join(''));
  });
});
