// Executor: instanceConcurrency above 1 — one instance serves several invocations at once (as Cloud Run and Azure
// Functions do), each with its own logs, result and timeout; what ends the instance ends them all, and says why.

import assert from 'node:assert/strict';
import type { InvocationResult } from '../../../src/shared/invocation';
import { fixtureFunction, useExecutor, waitFor } from './support';

describe('executor: several invocations per instance', () => {
  const suite = useExecutor('shared-cache', { idleTimeoutMs: 300 });

  const statsOf = (name: string) => suite.executor.stats().find((stats) => stats.functionName === name);
  const instancesOf = (results: InvocationResult[]) => new Set(results.map((result) => (result.result as { instanceId: string }).instanceId));

  it('runs concurrent invocations on one instance, each with only its own log lines', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'shared-logs', concurrency: 3, instanceConcurrency: 4 });
    const live: string[] = [];
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((tag, index) =>
        suite.executor.invoke(fn, { action: 'logAround', tag, ms: 150 - index * 30 }, { onLog: (line) => live.push(`${tag}:${line.message}`) }),
      ),
    );
    assert.deepEqual(results.map((result) => result.result), ['a', 'b', 'c', 'd']);
    for (const result of results) {
      const tag = result.result as string;
      assert.deepEqual(result.logs.map((line) => line.message), [`start ${tag}`, `end ${tag}`]);
      assert.ok(result.logs.every((line) => line.requestId === result.requestId));
    }
    // All four started before any ended: they really ran at once.
    const firstEnd = live.findIndex((entry) => entry.includes(':end '));
    assert.equal(live.slice(0, firstEnd).length, 4, live.join(', '));
    assert.deepEqual(results.map((result) => result.coldStart), [true, false, false, false]);
    assert.equal(statsOf('shared-logs')?.instances, 1);
    await waitFor(() => (statsOf('shared-logs')?.instances ?? 0) === 0, 5000, 'the idle instance to stop');
  });

  it('queues invocations beyond instanceConcurrency × concurrency and serves them as slots free up', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'shared-queue', concurrency: 1, instanceConcurrency: 2 });
    const pending = [1, 2, 3].map(() => suite.executor.invoke(fn, { action: 'sleep', ms: 200 }));
    await waitFor(() => statsOf('shared-queue')?.queued === 1, 5000, 'one queued invocation');
    const results = await Promise.all(pending);
    assert.deepEqual(results.map((result) => result.error), [undefined, undefined, undefined]);
    assert.equal(instancesOf(results).size, 1, 'all three ran on the one instance');
  });

  it('scales out once every instance is full', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'shared-scale', concurrency: 3, instanceConcurrency: 2 });
    const results = await Promise.all([1, 2, 3, 4].map(() => suite.executor.invoke(fn, { action: 'sleep', ms: 300 })));
    assert.equal(instancesOf(results).size, 2, 'four invocations filled two instances of two');
  });

  it('ends the other invocations of an instance when one times out, naming it', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'shared-timeout', concurrency: 1, instanceConcurrency: 2, timeout: 1 });
    const looping = suite.executor.invoke(fn, { action: 'loop' });
    // Later, so its own 1 s runs out after the loop's.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [looped, slept] = await Promise.all([looping, suite.executor.invoke(fn, { action: 'sleep', ms: 5000 })]);
    assert.deepEqual(looped.error, { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    assert.deepEqual(slept.error, {
      errorType: 'Runtime.ExitError',
      errorMessage: `Runtime exited with error: the instance was stopped because invocation ${looped.requestId} on it timed out`,
    });
    const after = await suite.executor.invoke(fn, { action: 'ok' });
    assert.equal(after.error, undefined);
    assert.equal(after.coldStart, true, 'a fresh instance serves the next invocation');
  });

  it('fails every invocation running on an instance that crashes', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'shared-crash', concurrency: 1, instanceConcurrency: 2 });
    const [crashed, slept] = await Promise.all([suite.executor.invoke(fn, { action: 'crash' }), suite.executor.invoke(fn, { action: 'sleep', ms: 5000 })]);
    assert.equal(crashed.error?.errorMessage, 'crashed in a timer');
    assert.equal(slept.error?.errorMessage, 'crashed in a timer');
    assert.equal((await suite.executor.invoke(fn, { action: 'ok' })).coldStart, true);
  });
});

describe('executor: logs written while the module loads', () => {
  const suite = useExecutor('init-log-cache');

  it('belong to the cold start and not to later invocations', async () => {
    const fn = fixtureFunction('init-log.js');
    const cold = await suite.executor.invoke(fn, {});
    const warm = await suite.executor.invoke(fn, {});
    assert.deepEqual(cold.logs.map((line) => [line.requestId, line.message]), [[cold.requestId, 'loading the module']]);
    assert.deepEqual(warm.logs, []);
  });
});
