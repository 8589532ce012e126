// Executor: limits as a cloud enforces them — timeouts, memory, crashes — fail one invocation, never the suite.executor.

import assert from 'node:assert/strict';
import { fixtureFunction, useExecutor } from './support';

describe('executor: limits and failures', function () {
  const suite = useExecutor('limits-cache');

  /** Runs a failing action, then proves the next invocation gets a fresh, working instance. */
  async function failsThenRecovers(action: string, options: { timeout?: number; memory?: number } = {}) {
    const fn = fixtureFunction('behaviors.js', { name: `limits-${action}`, ...options });
    const before = await suite.executor.invoke(fn, { action: 'ok' });
    const failed = await suite.executor.invoke(fn, { action });
    const after = await suite.executor.invoke(fn, { action: 'ok' });
    assert.deepEqual(after.error, undefined);
    assert.equal(after.coldStart, true, 'the next invocation starts a fresh instance');
    assert.equal(before.coldStart, true);
    return failed;
  }

  it('kills an instance that runs past its timeout and says so', async () => {
    const failed = await failsThenRecovers('loop', { timeout: 1 });
    assert.deepEqual(failed.error, { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    assert.equal(failed.report.durationMs, 1000);
  });

  it('keeps what a function logged before it hung in the timed-out invocation\'s logs', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'limits-log-then-loop', timeout: 1 });
    const failed = await suite.executor.invoke(fn, { action: 'logThenLoop' });
    assert.equal(failed.error?.errorType, 'Sandbox.Timedout');
    assert.deepEqual(failed.logs.map((line) => line.message), ['about to spin']);
  });

  it('keeps every line of a function that logs 100,000 in a loop, within 128 MB', async () => {
    const fn = fixtureFunction('chatty.js', { name: 'limits-chatty', memory: 128, timeout: 30 });
    const chatty = await suite.executor.invoke(fn, { lines: 100_000 });
    assert.equal(chatty.error, undefined);
    assert.deepEqual(chatty.result, { lines: 100_000 });
    assert.equal(chatty.logs.length, 100_000);
    assert.ok(chatty.logs.every((line, index) => line.message === `line ${index}`), 'every line, in order');
    assert.ok(chatty.report.maxMemoryUsedMB < 115, `Max Memory Used: ${chatty.report.maxMemoryUsedMB} MB`);
  });

  it('sends lines at once again once the executor has caught up with a burst', async () => {
    const fn = fixtureFunction('chatty.js', { name: 'limits-chatty-then-spin', timeout: 3 });
    const burst = await suite.executor.invoke(fn, { lines: 100_000 });
    assert.equal(burst.logs.length, 100_000);
    const failed = await suite.executor.invoke(fn, { lines: 2, spin: true });
    assert.equal(failed.coldStart, false, 'on the instance that sent the burst');
    assert.equal(failed.error?.errorType, 'Sandbox.Timedout');
    assert.deepEqual(failed.logs.map((line) => line.message), ['line 0', 'line 1', 'about to spin']);
  });

  it('reports a crash at once even when the code after it hangs the instance', async () => {
    const fn = fixtureFunction('behaviors.js', { name: 'limits-crash-then-spin', timeout: 3 });
    const failed = await suite.executor.invoke(fn, { action: 'crashThenSpin' });
    assert.equal(failed.error?.errorMessage, 'crashed before spinning');
  });

  it('kills an instance that outgrows its memory', async () => {
    const failed = await failsThenRecovers('allocate', { memory: 128 });
    assert.equal(failed.error?.errorType, 'Runtime.OutOfMemory');
    assert.equal(failed.error?.errorMessage, 'Runtime exited with error: out of memory (limit 128 MB)');
  });

  it('fails the invocation on an uncaught exception', async () => {
    const failed = await failsThenRecovers('crash');
    assert.equal(failed.error?.errorType, 'Error');
    assert.equal(failed.error?.errorMessage, 'crashed in a timer');
    assert.match((failed.error?.stack as string[]).join('\n'), /behaviors\.js/);
  });

  it('fails the invocation on process.exit', async () => {
    const failed = await failsThenRecovers('exit');
    assert.deepEqual(failed.error, { errorType: 'Runtime.ExitError', errorMessage: 'the function called process.exit(3)' });
  });

  it('fails the invocation when the process dies at once, still reporting the memory it had used', async () => {
    const failed = await failsThenRecovers('abort');
    assert.deepEqual(failed.error, { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: exit status 134' });
    // Before the first sample of its memory: the peak the instance had reported is the floor, not 0.
    assert.ok(failed.report.maxMemoryUsedMB > 10, `Max Memory Used: ${failed.report.maxMemoryUsedMB} MB`);
  });

  it('fails the invocation on an unhandled rejection', async () => {
    const failed = await failsThenRecovers('reject');
    assert.equal(failed.error?.errorMessage, 'nobody handles this');
  });

  it('keeps a warm instance after an ordinary thrown error', async () => {
    const fn = fixtureFunction('ts-handler.ts', { name: 'limits-thrown' });
    await suite.executor.invoke(fn, { name: 'a', fail: true });
    const next = await suite.executor.invoke(fn, { name: 'b' });
    assert.equal(next.coldStart, false);
    assert.deepEqual(next.result, { message: 'hello b' });
  });
});
