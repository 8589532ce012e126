// Executor: handlers of every supported shape run in real child processes and report results, errors, logs and REPORTs.

import assert from 'node:assert/strict';
import { NimbusError } from '../../../src/shared/errors';
import { formatReport, type LogLine } from '../../../src/shared/invocation';
import { fixtureFunction, useExecutor } from './support';

describe('executor: invoking handlers', () => {
  const liveLogs: LogLine[] = [];
  const suite = useExecutor('executor-cache', { onLog: (line) => liveLogs.push(line) });

  it('runs a CommonJS handler with the Lambda context and only its own env', async () => {
    const fn = fixtureFunction('cjs-handler.js', { env: { GREETING: 'hi' }, timeout: 7, memory: 192 });
    const outcome = await suite.executor.invoke(fn, { hello: 'world' }, { requestId: 'request-1' });
    assert.equal(outcome.error, undefined);
    const result = outcome.result as Record<string, unknown>;
    assert.deepEqual(result.echo, { hello: 'world' });
    assert.equal(result.requestId, 'request-1');
    assert.equal(result.functionName, fn.name);
    assert.equal(result.memoryLimitInMB, '192');
    assert.equal(result.invokedFunctionArn, `arn:aws:lambda:local:000000000000:function:${fn.name}`);
    const remaining = result.remainingMs as number;
    assert.ok(remaining > 5000 && remaining <= 7000, `remaining time ${remaining} is true to the 7 s deadline`);
    assert.deepEqual(result.env, { name: fn.name, greeting: 'hi' });
  });

  it('runs an ES module handler', async () => {
    const outcome = await suite.executor.invoke(fixtureFunction('esm-handler.mjs'), { value: 21 });
    assert.deepEqual(outcome.result, { kind: 'esm', value: 42 });
  });

  it('runs a TypeScript handler that imports a helper', async () => {
    const outcome = await suite.executor.invoke(fixtureFunction('ts-handler.ts'), { name: 'Ada' });
    assert.deepEqual(outcome.result, { message: 'hello Ada' });
  });

  it('runs a callback-style handler', async () => {
    const outcome = await suite.executor.invoke(fixtureFunction('callback-handler.js'), { value: 5 });
    assert.deepEqual(outcome.result, { callback: true, value: 5 });
  });

  it('runs a web-standard fetch handler on an API Gateway v2 event', async () => {
    const fn = fixtureFunction('fetch-handler.ts', { handlerExport: 'default' });
    const event = {
      version: '2.0',
      rawPath: '/items/7',
      rawQueryString: 'q=1',
      headers: { host: 'example.test', 'content-type': 'text/plain' },
      body: 'aGVsbG8=',
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST', path: '/items/7' } },
    };
    const outcome = await suite.executor.invoke(fn, event);
    const response = outcome.result as { statusCode: number; headers: Record<string, string>; body: string; isBase64Encoded: boolean };
    assert.equal(response.statusCode, 201);
    assert.equal(response.headers['x-handled-by'], 'fetch');
    assert.equal(response.isBase64Encoded, false);
    assert.deepEqual(JSON.parse(response.body), { method: 'POST', path: '/items/7', query: '?q=1', body: 'hello' });
  });

  it('reports a thrown error with its type and a stack mapped to the TypeScript source, of the function\'s frames only', async () => {
    const outcome = await suite.executor.invoke(fixtureFunction('ts-handler.ts'), { name: 'Bob', fail: true });
    assert.equal(outcome.result, undefined);
    assert.equal(outcome.error?.errorType, 'GreetingError');
    assert.equal(outcome.error?.errorMessage, 'cannot greet Bob');
    const stack = (outcome.error?.stack as string[]).join('\n');
    assert.match(stack, /ts-handler\.ts:\d+:\d+/);
    // The harness calling the handler is the same under every error: not the function's.
    assert.doesNotMatch(stack, /harness|new Promise/, stack);
  });

  it('reports a cold start with Init Duration, then warm invocations without it', async () => {
    const fn = fixtureFunction('esm-handler.mjs', { name: 'cold-warm', memory: 128 });
    const cold = await suite.executor.invoke(fn, { value: 1 });
    const warm = await suite.executor.invoke(fn, { value: 2 });
    assert.equal(cold.coldStart, true);
    assert.ok(cold.report.initDurationMs !== undefined && cold.report.initDurationMs > 0);
    assert.equal(warm.coldStart, false);
    assert.equal(warm.report.initDurationMs, undefined);
    assert.equal(warm.report.memorySizeMB, 128);
    assert.ok(warm.report.maxMemoryUsedMB > 0);
    assert.ok(warm.report.billedMs >= 1 && warm.report.billedMs >= warm.report.durationMs);
    assert.ok(warm.report.costUsd > 0);
    assert.match(formatReport(cold.report), /^REPORT RequestId: \S+ Duration: [\d.]+ ms Billed Duration: \d+ ms Memory Size: 128 MB Max Memory Used: \d+ MB Init Duration: [\d.]+ ms$/);
  });

  it('captures every console level and stdout writes per invocation, live and in the result', async () => {
    const lines: LogLine[] = [];
    liveLogs.length = 0;
    const outcome = await suite.executor.invoke(fixtureFunction('behaviors.js'), { action: 'log' }, { requestId: 'logging', onLog: (line) => lines.push(line) });
    const expected = [
      ['info', 'to info'],
      ['warn', 'to warn'],
      ['error', 'to error'],
      ['debug', 'to debug'],
      ['info', 'raw stdout'],
    ];
    assert.deepEqual(outcome.logs.map((line) => [line.level, line.message]), expected);
    assert.deepEqual(lines, outcome.logs);
    assert.deepEqual(liveLogs.filter((line) => line.requestId === 'logging'), outcome.logs);
    for (const line of outcome.logs) {
      assert.equal(line.requestId, 'logging');
      assert.ok(!Number.isNaN(Date.parse(line.time)));
    }
  });

  it('fails with HANDLER_NOT_FOUND naming the exports that exist', async () => {
    const fn = fixtureFunction('ts-handler.ts', { name: 'missing-export', handlerExport: 'main' });
    await assert.rejects(suite.executor.invoke(fn, {}), (error: unknown) => {
      assert.ok(error instanceof NimbusError);
      assert.equal(error.code, 'HANDLER_NOT_FOUND');
      assert.match(error.message, /no export 'main' \(it exports: handler\)/);
      return true;
    });
  });

  it('fails with HANDLER_NOT_FOUND saying what a handler export that is not a function is', async () => {
    const fn = fixtureFunction('notfn.js', { name: 'not-a-function', handler: 'notfn.h', handlerExport: 'h' });
    await assert.rejects(suite.executor.invoke(fn, {}), (error: unknown) => {
      assert.ok(error instanceof NimbusError);
      assert.equal(error.code, 'HANDLER_NOT_FOUND');
      assert.equal(error.message, `export 'h' of ${fn.handlerFile} is a number, not a function: fix \`handler\` of 'not-a-function' in nimbus.yaml.`);
      return true;
    });
  });

  it('fails with HANDLER_NOT_FOUND when the handler file does not exist', async () => {
    const fn = fixtureFunction('nowhere.ts');
    await assert.rejects(suite.executor.invoke(fn, {}), { code: 'HANDLER_NOT_FOUND' });
  });
});
