// Executor: the instance pool — warm reuse, scaling out to the concurrency, queueing or rejecting beyond it, scale to zero.

import assert from 'node:assert/strict';
import { createExecutor, type Executor, type InstanceStats } from '../../../src/executor/index';
import { NimbusError } from '../../../src/shared/errors';
import { ensureHarness, fixtureFunction, temporaryFolder, waitFor } from './support';

describe('executor: instance pool', () => {
  const cache = temporaryFolder('pool-cache');
  let executor: Executor;
  const changes: InstanceStats[] = [];

  before(async () => {
    await ensureHarness();
    executor = createExecutor({ cacheDir: cache.path, idleTimeoutMs: 300 });
    executor.onDidChangeInstances((stats) => changes.push(stats));
  });
  after(async () => {
    await executor.dispose();
    cache.remove();
  });

  const instancesOf = (name: string) => executor.stats().find((stats) => stats.functionName === name)?.instances ?? 0;

  it('scales out to concurrent invocations, then back to zero when idle', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'pool-scale', concurrency: 5 });
    const results = await Promise.all([1, 2, 3].map(() => executor.invoke(fn, { action: 'sleep', ms: 300 })));
    assert.deepEqual(results.map((result) => result.coldStart), [true, true, true]);
    assert.equal(instancesOf('pool-scale'), 3);
    assert.ok(changes.some((stats) => stats.functionName === 'pool-scale' && stats.busy === 3));
    const warm = await executor.invoke(fn, { action: 'ok' });
    assert.equal(warm.coldStart, false);
    await waitFor(() => instancesOf('pool-scale') === 0, 5000, 'idle instances to stop');
  });

  it('queues invocations beyond the concurrency and serves them on warm instances', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'pool-queue', concurrency: 1 });
    const pending = [1, 2, 3].map(() => executor.invoke(fn, { action: 'sleep', ms: 100 }));
    await waitFor(() => executor.stats().some((stats) => stats.functionName === 'pool-queue' && stats.queued === 2), 5000, 'two queued invocations');
    const results = await Promise.all(pending);
    assert.deepEqual(results.map((result) => result.coldStart), [true, false, false]);
    assert.equal(instancesOf('pool-queue'), 1);
  });

  it('starts new instances when the function spec changes', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'pool-spec' });
    assert.equal((await executor.invoke(fn, { action: 'ok' })).coldStart, true);
    assert.equal((await executor.invoke(fn, { action: 'ok' })).coldStart, false);
    const changed = await executor.invoke({ ...fn, env: { MODE: 'new' } }, { action: 'env' });
    assert.equal(changed.coldStart, true);
    assert.equal((changed.result as Record<string, string>).MODE, 'new');
  });

  it("rejects with INSTANCE_LIMIT when saturated and told not to queue", async () => {
    const rejecting = createExecutor({ cacheDir: cache.path, whenSaturated: 'reject' });
    try {
      const fn = fixtureFunction('behaviors.js', { name: 'pool-reject', concurrency: 1 });
      const first = rejecting.invoke(fn, { action: 'sleep', ms: 200 });
      await assert.rejects(rejecting.invoke(fn, { action: 'ok' }), (error: unknown) => {
        assert.ok(error instanceof NimbusError);
        assert.equal(error.code, 'INSTANCE_LIMIT');
        assert.match(error.message, /All 1 instances of 'pool-reject' are busy/);
        return true;
      });
      assert.equal((await first).error, undefined);
    } finally {
      await rejecting.dispose();
    }
  });
});
