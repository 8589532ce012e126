// Backend tests: a real backend on loopback, real TS functions deployed through the real client, every trigger fired.

import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { LogLine } from '../../src/shared/invocation';
import { createHash } from 'node:crypto';
import { BackendClient, packArtifact } from '../../src/client';
import { isNimbusError } from '../../src/shared/errors';
import { helloSource, testToken, useTestBackend, waitFor } from './helpers';

const sha256 = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

describe('backend (real server on loopback)', function () {
  this.timeout(30_000);
  const fixture = useTestBackend({ deploy: ['hello', 'secret', 'uploads', 'orders', 'slow', 'shared'] });

  const logMessages = async (name: string) => (await fixture.client.logs(name, { limit: 1000 })).lines.map((line) => line.message);

  describe('auth', () => {
    it('answers /healthz without a token', async () => {
      const response = await fetch(`${fixture.backend.url}/healthz`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok' });
    });

    it('refuses /api/v1 without a token, with a JSON error', async () => {
      const response = await fetch(`${fixture.backend.url}/api/v1/functions`);
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'BACKEND_UNAUTHORIZED');
      assert.match(body.error.message, /NIMBUS_TOKEN/);
    });

    it('refuses unknown /api/v1 routes without a token as it refuses known ones (and 404s them with one)', async () => {
      for (const path of ['/api/v1/nope', '/api/v1/logs/stream', '/api/v1']) {
        const response = await fetch(`${fixture.backend.url}${path}`);
        assert.equal(response.status, 401, path);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'BACKEND_UNAUTHORIZED');
      }
      const known = await fetch(`${fixture.backend.url}/api/v1/nope`, { headers: { authorization: `Bearer ${testToken}` } });
      assert.equal(known.status, 404);
    });

    it('refuses a JSON body over its limit, saying the limit', async () => {
      const response = await fetch(`${fixture.backend.url}/api/v1/functions/hello/invoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ padding: 'x'.repeat(6 * 1024 * 1024) }),
      });
      assert.equal(response.status, 413);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.deepEqual(body.error, { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is larger than the 6 MiB the backend accepts here; send less' });
    });

    it('refuses a wrong token, and the client says how to fix it', async () => {
      const wrong = new BackendClient({ url: fixture.backend.url, token: 'nope', retries: 0 });
      await assert.rejects(wrong.listFunctions(), (error: unknown) => isNimbusError(error) && error.code === 'BACKEND_UNAUTHORIZED' && /--token/.test(error.message));
    });

    it('keeps public HTTP routes open and guards `auth: token` routes', async () => {
      assert.equal((await fetch(`${fixture.backend.url}/fn/hello/ann`)).status, 200);
      assert.equal((await fetch(`${fixture.backend.url}/fn/secret`)).status, 401);
      const allowed = await fetch(`${fixture.backend.url}/fn/secret`, { headers: { authorization: `Bearer ${testToken}` } });
      assert.equal(allowed.status, 200);
      assert.equal(await allowed.text(), 'secret ok');
    });

    it('refuses a log stream without a token', async () => {
      const socket = new WebSocket(`${fixture.backend.url.replace('http', 'ws')}/api/v1/logs/stream`);
      socket.on('error', () => undefined);
      const status = await new Promise<number>((resolve, reject) => {
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('open', () => reject(new Error('opened without a token')));
      });
      socket.terminate();
      assert.equal(status, 401);
    });
  });

  describe('functions API', () => {
    it('lists deployed functions with their URL', async () => {
      const functions = await fixture.client.listFunctions();
      assert.deepEqual(functions.map((fn) => fn.name).sort(), ['hello', 'orders', 'secret', 'shared', 'slow', 'uploads']);
      const hello = functions.find((fn) => fn.name === 'hello')!;
      assert.equal(hello.url, `${fixture.backend.url}/fn/hello/{name}`);
      assert.equal(hello.memory, 128);
      assert.equal(hello.runtime, 'node20');
    });

    it('says what to do when a function is not deployed', async () => {
      await assert.rejects(fixture.client.getFunction('missing'), (error: unknown) => isNimbusError(error) && error.code === 'NOT_FOUND' && /nimbus deploy missing/.test(error.message));
      const raw = await fetch(`${fixture.backend.url}/api/v1/functions/missing/invoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testToken}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(raw.status, 404);
    });

    it('validates route parameters with JSON errors', async () => {
      const response = await fetch(`${fixture.backend.url}/api/v1/functions/bad%20name`, { headers: { authorization: `Bearer ${testToken}` } });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'USAGE');
    });

    it('invokes synchronously through the API with logs and a REPORT', async () => {
      const response = await fixture.client.invoke('hello', { name: 'api' });
      assert.deepEqual(response.result, { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'hello api' });
      assert.deepEqual(response.logs.map((line) => line.message), ['greeting api']);
      assert.equal(response.report.memorySizeMB, 128);
      assert.equal(response.version, 1);
    });
  });

  describe('triggers', () => {
    it('serves HTTP routes under /fn with path parameters, status, headers and body', async () => {
      const get = await fetch(`${fixture.backend.url}/fn/hello/zoe?x=1`);
      assert.equal(get.status, 200);
      assert.equal(await get.text(), 'hello zoe');
      const post = await fetch(`${fixture.backend.url}/fn/echo`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
      assert.equal(post.status, 201);
      assert.equal(post.headers.get('x-echo'), 'yes');
      assert.equal(await post.text(), '{"a":1}');
      assert.equal((await fetch(`${fixture.backend.url}/fn/nothing-here`)).status, 404);
      const wrongMethod = await fetch(`${fixture.backend.url}/fn/hello/zoe`, { method: 'DELETE' });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get('allow'), 'GET');
      assert.equal(((await wrongMethod.json()) as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
    });

    it('fires storage triggers on object created and deleted (prefix filtered)', async () => {
      const stored = await fixture.client.putObject('photos', 'img/cat.png', Buffer.from('meow'));
      assert.deepEqual({ bucket: stored.bucket, key: stored.key, size: stored.size }, { bucket: 'photos', key: 'img/cat.png', size: 4 });
      assert.deepEqual(await fixture.client.getObject('photos', 'img/cat.png'), Buffer.from('meow'));
      await fixture.client.putObject('photos', 'docs/readme.txt', 'not an image');
      await fixture.client.deleteObject('photos', 'img/cat.png');
      const messages = await waitFor('storage logs', async () => {
        const lines = await logMessages('uploads');
        const both = lines.some((line) => line.startsWith('storage ObjectRemoved')) && lines.some((line) => line.startsWith('storage ObjectCreated'));
        return both ? lines : undefined;
      });
      assert.ok(messages.includes('storage ObjectCreated:Put photos/img/cat.png 4'), messages.join('\n'));
      assert.ok(messages.some((line) => line.startsWith('storage ObjectRemoved:Delete photos/img/cat.png')), messages.join('\n'));
      assert.ok(!messages.some((line) => line.includes('docs/readme.txt')), 'the prefix filter let docs/ through');
    });

    it('keeps keys of up to 1024 bytes as S3 does, folders and non-ASCII included, and refuses longer ones', async () => {
      const folders = 'img/' + 'ünïcødé folder/'.repeat(20);
      const room = 1024 - Buffer.byteLength(folders, 'utf8') - '.z'.length;
      const keys = [`${folders}a b.txt`, `${folders}${'ü'.repeat(Math.floor(room / 2))}${'a'.repeat(room % 2)}.z`, 'img/x'];
      assert.equal(Buffer.byteLength(keys[1]!, 'utf8'), 1024);
      for (const [index, key] of keys.entries()) await fixture.client.putObject('photos', key, `content ${index}`);
      for (const [index, key] of keys.entries()) assert.equal((await fixture.client.getObject('photos', key)).toString(), `content ${index}`);
      await fixture.client.deleteObject('photos', keys[0]!);
      await assert.rejects(fixture.client.getObject('photos', keys[0]!), (error: unknown) => isNimbusError(error) && error.code === 'NOT_FOUND');
      assert.equal((await fixture.client.getObject('photos', keys[1]!)).toString(), 'content 1', 'the other long key is still there');
      await assert.rejects(
        fixture.client.putObject('photos', keys[1]! + 'x', 'too long'),
        (error: unknown) => isNimbusError(error) && error.code === 'USAGE' && /an object key is 1 to 1024 bytes of UTF-8, as on S3; this one is 1025/.test(error.message),
      );
    });

    it('delivers queue messages in batches, retries failures and dead-letters them', async () => {
      const enqueued = await fixture.client.enqueue('orders', ['order-1', 'order-2', 'poison-3']);
      assert.deepEqual(enqueued.subscribers, ['orders']);
      assert.equal(enqueued.messageIds.length, 3);
      const dead = await waitFor('a dead letter', async () => {
        const letters = await fixture.client.deadLetters('orders');
        return letters.length > 0 ? letters : undefined;
      });
      // The batch held the poison message, so the whole batch failed twice (maxRetries: 1) and went dead.
      assert.ok(dead.some((letter) => letter.body === 'poison-3' && letter.receiveCount === 2 && /cannot process/.test(letter.lastError)));
      await fixture.client.enqueue('orders', ['order-4']);
      await waitFor('order-4 processed', async () => ((await logMessages('orders')).includes('order order-4') ? true : undefined));
      const metrics = await fixture.client.metrics('orders');
      assert.ok(metrics.errors >= 2, `errors: ${metrics.errors}`);
      // Why the batch failed is in the function's logs (a queue invocation has no caller to tell), before its REPORT.
      const lines = (await fixture.client.logs('orders', { limit: 1000 })).lines;
      const failure = lines.findIndex((line) => line.level === 'error' && line.message.startsWith('Invoke Error {'));
      assert.ok(failure >= 0, lines.map((line) => line.message).join('\n'));
      const payload = JSON.parse(lines[failure]!.message.slice('Invoke Error '.length)) as { errorType: string; errorMessage: string; stack: string[] };
      assert.equal(payload.errorType, 'Error');
      assert.match(payload.errorMessage, /^cannot process poison-3/);
      assert.ok(Array.isArray(payload.stack));
      // The project's paths, not where the backend keeps the bundle.
      assert.ok(payload.stack.some((line) => / \(src\/orders\.ts:\d+:\d+\)$/.test(line)), payload.stack.join('\n'));
      assert.ok(!payload.stack.some((line) => line.includes(fixture.dataDir)), payload.stack.join('\n'));
      assert.match(lines[failure + 1]!.message, new RegExp(`^REPORT RequestId: ${lines[failure]!.requestId} `));
      // SQS's SentTimestamp is when the message was sent: the retry says the same as the first delivery.
      const sent = lines.filter((line) => line.level === 'error').map((line) => /sent at (\d+)/.exec(line.message)?.[1]);
      assert.equal(sent.length, 2, 'a delivery and its retry');
      assert.equal(new Set(sent).size, 1, sent.join(', '));
    });

    it('runs cron schedules of deployed functions with an EventBridge event', async () => {
      const artifact = await fixture.project.artifact('tick');
      await fixture.client.deploy('tick', artifact.tarball, artifact.sha256);
      const line = await waitFor('a tick', async () => (await logMessages('tick')).find((message) => message.startsWith('tick ')), 5_000);
      assert.equal(line, 'tick aws.events Scheduled Event');
      await fixture.client.deleteFunction('tick');
    });
  });

  describe('web-standard handlers', () => {
    it('see the URL the caller used, /fn prefix and query included, whatever prefix the caller claims', async () => {
      const artifact = await fixture.project.artifact('web');
      await fixture.client.deploy('web', artifact.tarball, artifact.sha256);
      const url = `${fixture.backend.url}/fn/web/a/b?c=1`;
      const response = await fetch(url, { headers: { 'x-forwarded-prefix': '/elsewhere' } });
      assert.deepEqual([response.status, await response.text()], [200, url]);
    });
  });

  describe('HTTP answers for results that are not responses', () => {
    it('answers 502 for a status that does not exist and 504 for a timeout, as API Gateway and the local gateway do', async () => {
      const artifact = await fixture.project.artifact('badresult');
      await fixture.client.deploy('badresult', artifact.tarball, artifact.sha256);
      const badStatus = await fetch(`${fixture.backend.url}/fn/bad/status`);
      assert.equal(badStatus.status, 502);
      assert.equal(((await badStatus.json()) as { message: string }).message, 'Internal Server Error');
      const slow = await fetch(`${fixture.backend.url}/fn/bad/slow`);
      assert.equal(slow.status, 504);
      assert.equal(((await slow.json()) as { message: string }).message, 'Endpoint request timed out');
      assert.ok((await logMessages('badresult')).includes('Task timed out after 1.00 seconds'), 'the timeout is in the logs');
      const fine = await fetch(`${fixture.backend.url}/fn/bad/ok`);
      assert.deepEqual([fine.status, await fine.text()], [200, 'fine']);
      // No body and no content-type from the function: none added.
      const empty = await fetch(`${fixture.backend.url}/fn/bad/empty`);
      assert.deepEqual([empty.status, empty.headers.get('content-type'), empty.headers.get('set-cookie'), await empty.text()], [200, null, 'session=1; Path=/', '']);
    });
  });

  describe('versions', () => {
    it('treats identical content as a no-op and numbers new content', async () => {
      const same = await fixture.project.artifact('hello');
      const again = await fixture.client.deploy('hello', same.tarball, same.sha256);
      assert.equal(again.unchanged, true);
      assert.equal(again.version, 1);

      await fixture.project.write('src/hello.ts', helloSource('howdy'));
      const changed = await fixture.project.artifact('hello');
      assert.notEqual(changed.sha256, same.sha256);
      const deployed = await fixture.client.deploy('hello', changed.tarball, changed.sha256);
      assert.deepEqual([deployed.version, deployed.unchanged], [2, false]);
      assert.equal(await (await fetch(`${fixture.backend.url}/fn/hello/v2`)).text(), 'howdy v2');

      const detail = await fixture.client.getFunction('hello');
      assert.deepEqual(detail.versions.map((version) => [version.version, version.active]), [[1, false], [2, true]]);

      const rolledBack = await fixture.client.rollback('hello');
      assert.equal(rolledBack.version, 1);
      assert.equal(await (await fetch(`${fixture.backend.url}/fn/hello/v1`)).text(), 'hello v1');
      await fixture.client.rollback('hello', 2);
      assert.equal(await (await fetch(`${fixture.backend.url}/fn/hello/v2`)).text(), 'howdy v2');
      await assert.rejects(fixture.client.rollback('hello', 9), /no version 9/);
      await fixture.project.write('src/hello.ts', helloSource('hello'));
    });

    it('keeps every concurrent deploy of one function whole and serves the last one', async () => {
      const artifacts = [];
      for (const greeting of ['alpha', 'beta', 'gamma', 'delta']) {
        await fixture.project.write('src/hello.ts', helloSource(greeting));
        artifacts.push({ greeting, ...(await fixture.project.artifact('hello')) });
      }
      const results = await Promise.all(artifacts.map((artifact) => fixture.client.deploy('hello', artifact.tarball, artifact.sha256)));
      const versions = results.map((result) => result.version);
      assert.equal(new Set(versions).size, versions.length, `versions repeat: ${versions}`);
      const detail = await fixture.client.getFunction('hello');
      const active = detail.versions.find((version) => version.active)!;
      const winner = artifacts.find((artifact) => artifact.sha256 === active.sha256)!;
      assert.equal(active.version, Math.max(...versions));
      assert.equal(await (await fetch(`${fixture.backend.url}/fn/hello/x`)).text(), `${winner.greeting} x`);
      await fixture.project.write('src/hello.ts', helloSource('hello'));
    });

    it('refuses a route another function already serves', async () => {
      // As a second project deploying to the same backend would: its own manifest is fine, the backend has the clash.
      const config = { ...(await fixture.project.artifact('secret')).config, triggers: [{ type: 'http' as const, method: 'POST' as const, path: '/echo', auth: 'none' as const }] };
      const clash = await packArtifact({ 'nimbus.json': JSON.stringify(config), 'bundle/index.js': 'exports.handler = async () => "clash";' });
      await assert.rejects(fixture.client.deploy('secret', clash, sha256(clash)), (error: unknown) => isNimbusError(error) && error.code === 'CONFLICT' && /POST \/echo/.test(error.message));
      assert.equal((await fetch(`${fixture.backend.url}/fn/secret`, { headers: { authorization: `Bearer ${testToken}` } })).status, 200);
    });
  });

  describe('logs and metrics', () => {
    it('pages stored logs with since/limit, or the newest lines', async () => {
      for (const name of ['p1', 'p2', 'p3']) await fixture.client.invoke('hello', { name });
      const first = await fixture.client.logs('hello', { limit: 2 });
      assert.equal(first.lines.length, 2);
      const rest = await fixture.client.logs('hello', { since: first.next, limit: 1000 });
      assert.ok(rest.lines.every((line) => line.sequence > first.next));
      const all = [...first.lines, ...rest.lines].map((line) => line.message);
      for (const name of ['p1', 'p2', 'p3']) assert.ok(all.includes(`greeting ${name}`));
      assert.ok(all.some((line) => line.startsWith('REPORT RequestId: ')));
      const newest = await fixture.client.logs('hello', { limit: 2, newest: true });
      assert.deepEqual(newest.lines.map((line) => line.message.split(' ')[0]), ['greeting', 'REPORT']);
      assert.equal(newest.lines[0]!.message, 'greeting p3');
      assert.equal(newest.next, rest.next);
    });

    it('streams log lines live over WebSocket', async () => {
      const received: LogLine[] = [];
      const tail = fixture.client.tailLogs('hello', (line) => received.push(line));
      try {
        await tail.opened;
        await fixture.client.invoke('hello', { name: 'live' });
        await waitFor('live lines', () => (received.some((line) => line.message.startsWith('REPORT')) ? true : undefined), 5_000);
        assert.equal(received[0]!.message, 'greeting live');
        assert.equal(received[0]!.functionName, 'hello');
      } finally {
        tail.dispose();
        await tail.closed;
      }
    });

    it('accepts the token as a query parameter on the stream (for browsers)', async () => {
      const socket = new WebSocket(`${fixture.backend.url.replace('http', 'ws')}/api/v1/logs/stream?function=hello&token=${testToken}`);
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      });
      socket.close();
    });

    it('counts invocations, errors, cold starts, percentiles and GB-seconds', async () => {
      const metrics = await fixture.client.metrics('hello');
      assert.ok(metrics.invocations >= 5, `invocations: ${metrics.invocations}`);
      assert.ok(metrics.coldStarts >= 1);
      assert.ok(metrics.p50Ms > 0 && metrics.p50Ms <= metrics.p95Ms && metrics.p95Ms <= metrics.p99Ms);
      assert.ok(metrics.gbSeconds > 0);
      assert.ok(metrics.estimatedCostUsd > 0);
    });
  });

  describe('saturation', () => {
    it('answers 429 with Retry-After when every instance is busy', async () => {
      const first = fixture.client.invoke('slow', { ms: 1500 });
      // Probe until the slow call holds the only instance (a probe that got there first just runs for 1 ms).
      const refused = await waitFor('a 429', async () => {
        const probe = await fetch(`${fixture.backend.url}/api/v1/functions/slow/invoke`, {
          method: 'POST',
          headers: { authorization: `Bearer ${testToken}`, 'content-type': 'application/json' },
          body: '{"ms":1}',
        });
        const body = (await probe.json()) as { error?: { code: string } };
        return probe.status === 429 ? { probe, body } : undefined;
      }, 5_000);
      assert.equal(refused.probe.headers.get('retry-after'), '1');
      assert.equal(refused.body.error?.code, 'INSTANCE_LIMIT');
      assert.deepEqual((await first).result, { slept: 1500 });
    });

    it('serves instanceConcurrency invocations at once on one instance before answering 429', async () => {
      assert.equal((await fixture.client.getFunction('shared')).instanceConcurrency, 3);
      const running = [1, 2, 3].map(() => fixture.client.invoke('shared', { ms: 1500 }));
      const refused = await waitFor('a 429', async () => {
        const probe = await fetch(`${fixture.backend.url}/api/v1/functions/shared/invoke`, {
          method: 'POST',
          headers: { authorization: `Bearer ${testToken}`, 'content-type': 'application/json' },
          body: '{"ms":1}',
        });
        return probe.status === 429 ? probe : undefined;
      }, 5_000);
      assert.equal(refused.headers.get('retry-after'), '1');
      const results = await Promise.all(running);
      assert.deepEqual(results.map((result) => [result.error, result.result]), [1, 2, 3].map(() => [undefined, { slept: 1500 }]));
      assert.deepEqual(fixture.backend.executorStats().find((stats) => stats.functionName === 'shared')?.instances, 1);
    });
  });

  describe('delete', () => {
    it('removes a function and its routes', async () => {
      await fixture.client.deleteFunction('secret');
      assert.equal((await fetch(`${fixture.backend.url}/fn/secret`)).status, 404);
      await assert.rejects(fixture.client.deleteFunction('secret'), (error: unknown) => isNimbusError(error) && error.code === 'NOT_FOUND');
    });
  });
});
