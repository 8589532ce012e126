// Executor: events and results travel between the executor and an instance as JSON; one JSON cannot carry fails its
// invocation, not the instance (nor the process hosting the executor).

import assert from 'node:assert/strict';
import { fixtureFunction, useExecutor } from './support';

describe('executor: results JSON cannot carry', () => {
  const suite = useExecutor('results-cache');

  it('fails an invocation whose result has a cycle, saying so, and keeps the instance warm', async () => {
    const fn = fixtureFunction('unsendable.js', { name: 'results-circular' });
    const failed = await suite.executor.invoke(fn, { result: 'circular' });
    assert.equal(failed.error?.errorType, 'TypeError');
    assert.match(failed.error?.errorMessage ?? '', /^the handler's result cannot be sent as JSON: Converting circular structure to JSON/);
    assert.ok(failed.report.maxMemoryUsedMB > 0, 'the instance lived to measure its memory');
    const next = await suite.executor.invoke(fn, { result: 'ok' });
    assert.equal(next.coldStart, false, 'the same instance serves the next invocation');
    assert.deepEqual(next.result, { ok: true });
  });

  it('names the cause for a BigInt and for a toJSON that throws', async () => {
    const fn = fixtureFunction('unsendable.js', { name: 'results-causes' });
    const bigint = await suite.executor.invoke(fn, { result: 'bigint' });
    assert.deepEqual(bigint.error, {
      errorType: 'TypeError',
      errorMessage: "the handler's result cannot be sent as JSON: Do not know how to serialize a BigInt",
      stack: ['TypeError: Do not know how to serialize a BigInt'],
    });
    const throwing = await suite.executor.invoke(fn, { result: 'throwingToJSON' });
    assert.equal(throwing.error?.errorType, 'Error');
    assert.equal(throwing.error?.errorMessage, "the handler's result cannot be sent as JSON: toJSON refused");
    const stack = (throwing.error?.stack as string[]).join('\n');
    assert.match(stack, /unsendable\.js/, 'the stack points at the toJSON that threw');
    assert.doesNotMatch(stack, /harness/, 'and not into the harness');
    assert.equal(throwing.coldStart, false);
  });

  it('sends what JSON keeps of undefined, functions, symbols and dates, as JSON.stringify does', async () => {
    const fn = fixtureFunction('unsendable.js', { name: 'results-lossy' });
    const sent = await suite.executor.invoke(fn, { result: 'lossy' });
    assert.deepEqual(sent.result, { kept: 1, list: [null, null], at: '1970-01-01T00:00:00.000Z' });
  });

  it('keeps the lines and results sent together with an unsendable result', async () => {
    const fn = fixtureFunction('unsendable.js', { name: 'results-shared', instanceConcurrency: 2 });
    // Both run on one instance and end in the same turn, so their results leave in one write.
    const [failed, sent] = await Promise.all([
      suite.executor.invoke(fn, { result: 'circular' }),
      suite.executor.invoke(fn, { result: 'logged' }),
    ]);
    assert.match(failed.error?.errorMessage ?? '', /cannot be sent as JSON/);
    assert.equal(sent.error, undefined);
    assert.equal(sent.result, 'sent');
    assert.deepEqual(sent.logs.map((line) => line.message), ['a line before the result']);
    assert.deepEqual([failed.coldStart, sent.coldStart], [true, false]);
  });

  it('fails an invocation whose event JSON cannot carry, and keeps the instance and the host process running', async () => {
    const fn = fixtureFunction('unsendable.js', { name: 'results-event' });
    await suite.executor.invoke(fn, { result: 'ok' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bigint = await suite.executor.invoke(fn, { result: 'ok', n: 10n });
    assert.deepEqual(bigint.error, { errorType: 'TypeError', errorMessage: 'the event cannot be sent to the function as JSON: Do not know how to serialize a BigInt' });
    const cycle = await suite.executor.invoke(fn, cyclic);
    assert.match(cycle.error?.errorMessage ?? '', /^the event cannot be sent to the function as JSON: Converting circular structure to JSON/);
    const fine = await suite.executor.invoke(fn, { result: 'ok' });
    assert.deepEqual(fine.result, { ok: true });
    assert.equal(fine.coldStart, false, 'the same instance serves on');
  });
});
