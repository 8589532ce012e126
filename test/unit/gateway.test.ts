// Unit tests of the local gateway (`nimbus serve`): real HTTP requests to real functions, the control API, the live
// event stream and hot reload of handlers and nimbus.yaml.

import assert from 'node:assert/strict';
import { get, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { next, serve, until, writeFiles, type ServedProject } from './sources/project';

const manifest = `
service: shop
functions:
  users:
    handler: users.handler
    triggers:
      - http: { method: GET, path: "/users/{id}" }
      - http: { method: POST, path: "/users/{id}" }
  broken:
    handler: broken.handler
    triggers:
      - http: { method: GET, path: /broken }
  slow:
    handler: slow.handler
    timeout: 1
    triggers:
      - http: { method: GET, path: /slow }
`;

const users = `
exports.handler = async (event) => {
  console.log('user', event.pathParameters.id);
  return {
    statusCode: event.requestContext.http.method === 'POST' ? 201 : 200,
    headers: { 'x-user': event.pathParameters.id, 'content-type': 'application/json' },
    cookies: ['session=abc; Path=/', 'theme=dark'],
    body: JSON.stringify({
      id: event.pathParameters.id,
      query: event.queryStringParameters ?? null,
      body: event.body ?? null,
      routeKey: event.routeKey,
    }),
  };
};
`;

describe('gateway', function () {
  this.timeout(30_000);

  describe('HTTP routes and control API', () => {
    let project: ServedProject;

    before(async () => {
      project = await serve({
        'nimbus.yaml': manifest,
        'users.js': users,
        'broken.js': `exports.handler = async () => { throw new Error('boom'); };`,
        'slow.js': `exports.handler = () => new Promise((done) => setTimeout(done, 5000));`,
      });
    });

    after(async () => {
      await project?.dispose();
    });

    it('routes a real request to its function with path parameters, query and body, honouring status, headers and cookies', async () => {
      const response = await fetch(`${project.url}/users/42?tag=a&tag=b`, { method: 'POST', body: 'hello' });
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('x-user'), '42');
      assert.deepEqual(response.headers.getSetCookie(), ['session=abc; Path=/', 'theme=dark']);
      assert.match(response.headers.get('x-nimbus-request-id') ?? '', /\S/);
      assert.deepEqual(await response.json(), { id: '42', query: { tag: 'a,b' }, body: 'hello', routeKey: 'POST /users/{id}' });
    });

    it('answers 404 listing the routes that exist and 405 listing the allowed methods', async () => {
      const missing = await fetch(`${project.url}/nothing/here`);
      assert.equal(missing.status, 404);
      const body = (await missing.json()) as { message: string; routes: string[] };
      assert.equal(body.message, 'Not Found');
      assert.deepEqual([...body.routes].sort(), ['GET /broken', 'GET /slow', 'GET /users/{id}', 'POST /users/{id}']);

      const wrongMethod = await fetch(`${project.url}/users/7`, { method: 'DELETE' });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get('allow'), 'GET, POST');
      assert.deepEqual(((await wrongMethod.json()) as { allowed: string[] }).allowed, ['GET', 'POST']);
    });

    it('turns a function error into 502 and a timeout into 504, like API Gateway', async () => {
      const broken = await fetch(`${project.url}/broken`);
      assert.equal(broken.status, 502);
      assert.deepEqual(await broken.json(), { message: 'Internal Server Error' });
      const failed = project.invocations.find((invocation) => invocation.result.functionName === 'broken');
      assert.equal(failed?.result.error?.errorMessage, 'boom');

      const slow = await fetch(`${project.url}/slow`);
      assert.equal(slow.status, 504);
      assert.deepEqual(await slow.json(), { message: 'Endpoint request timed out' });
    });

    it('lists routes with their URLs, schedules, topics and buckets on GET /_nimbus/routes', async () => {
      const response = await fetch(`${project.url}/_nimbus/routes`);
      assert.equal(response.status, 200);
      const description = (await response.json()) as { routes: { method: string; url: string; function: string }[]; topics: unknown[] };
      assert.ok(description.routes.some((route) => route.method === 'GET' && route.url === `${project.url}/users/{id}` && route.function === 'users'));
      assert.deepEqual(description.topics, []);
    });

    it('invokes a function with any event on POST /_nimbus/invoke/{function} and returns the InvocationResult', async () => {
      const event = { requestContext: { http: { method: 'GET' } }, pathParameters: { id: 'direct' }, routeKey: 'direct' };
      const response = await fetch(`${project.url}/_nimbus/invoke/users`, { method: 'POST', body: JSON.stringify(event) });
      assert.equal(response.status, 200);
      const result = (await response.json()) as { functionName: string; result: { statusCode: number; body: string }; logs: { message: string }[] };
      assert.equal(result.functionName, 'users');
      assert.equal(result.result.statusCode, 200);
      assert.equal(JSON.parse(result.result.body).id, 'direct');
      assert.ok(result.logs.some((line) => line.message.includes('user direct')));

      const unknown = await fetch(`${project.url}/_nimbus/invoke/nobody`, { method: 'POST', body: '{}' });
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'FUNCTION_NOT_FOUND');
    });

    it('refuses the control API to web pages of other origins and to other host names', async () => {
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const call = request(`${project.url}/_nimbus/invoke/users`, { method: 'POST', headers }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          });
          call.on('error', reject);
          call.end('{}');
        });
      const controlInvocations = () => project.invocations.filter((invocation) => invocation.origin === 'control').length;
      const before = controlInvocations();
      assert.equal(await status({ origin: 'https://attacker.example' }), 403);
      assert.equal(await status({ origin: 'null' }), 403);
      assert.equal(await status({ host: 'rebound.attacker.example:7070' }), 403);
      assert.equal(await status({ origin: 'vscode-webview://panel-id' }), 200);
      assert.equal(controlInvocations(), before + 1, 'only the allowed call ran the function');
    });

    it('streams log lines and invocation results on GET /_nimbus/events', async () => {
      let received = '';
      const stream = await new Promise<IncomingMessage>((resolve, reject) => get(`${project.url}/_nimbus/events`, resolve).on('error', reject));
      try {
        assert.equal(stream.headers['content-type'], 'text/event-stream');
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (received += chunk));
        await until(() => (received.includes(': nimbus events') ? true : undefined), 5000, 'stream open');
        await fetch(`${project.url}/users/streamed`);
        await until(() => (received.includes('event: invocation') ? true : undefined), 5000, 'invocation event');
        const log = /event: log\ndata: (.*)\n/.exec(received);
        assert.ok(log, received);
        assert.match(JSON.parse(log[1]!).message, /user streamed/);
      } finally {
        stream.destroy();
      }
    });
  });

  describe('hot reload', () => {
    let project: ServedProject;

    beforeEach(async () => {
      project = await serve({
        'nimbus.yaml': `functions:\n  hello:\n    handler: hello.handler\n    triggers:\n      - http: { method: GET, path: /hello }\n`,
        'hello.js': `const { version } = require('./lib/version');\nexports.handler = async () => ({ version });`,
        'lib/version.js': `exports.version = 1;`,
      });
    });

    afterEach(async () => {
      await project?.dispose();
    });

    it('serves an edited handler on the next request without a restart', async () => {
      assert.deepEqual(await (await fetch(`${project.url}/hello`)).json(), { version: 1 });
      const reloaded = next(project.gateway.onDidReload, (reload) => reload.functions.includes('hello'));
      await writeFiles(project.root, { 'hello.js': `exports.handler = async () => ({ version: 2 });` });
      await reloaded;
      assert.deepEqual(await (await fetch(`${project.url}/hello`)).json(), { version: 2 });
    });

    it('does not say a function that no longer builds was reloaded, only why it does not build', async () => {
      assert.deepEqual(await (await fetch(`${project.url}/hello`)).json(), { version: 1 });
      const reloaded = next(project.gateway.onDidReload, (reload) => reload.functions.includes('hello'));
      await writeFiles(project.root, { 'hello.js': `exports.handler = async () => ({ version: 2 ;` });
      await reloaded;
      const messages = project.logger.entries.map((entry) => `${entry.level} ${entry.message}`);
      assert.ok(messages.some((message) => message.startsWith('error hello does not build')), messages.join('\n'));
      assert.ok(!messages.some((message) => message.includes('Reloaded hello')), messages.join('\n'));
    });

    it('serves the next request with an edited module the handler imports', async () => {
      assert.deepEqual(await (await fetch(`${project.url}/hello`)).json(), { version: 1 });
      const reloaded = next(project.gateway.onDidReload, (reload) => reload.functions.includes('hello'));
      await writeFiles(project.root, { 'lib/version.js': `exports.version = 3;` });
      await reloaded;
      assert.deepEqual(await (await fetch(`${project.url}/hello`)).json(), { version: 3 });
    });

    it('serves a route added to nimbus.yaml', async () => {
      assert.equal((await fetch(`${project.url}/goodbye`)).status, 404);
      const reloaded = next(project.gateway.onDidReload, (reload) => reload.reason === 'manifest');
      await writeFiles(project.root, {
        'bye.js': `exports.handler = async () => ({ bye: true });`,
        'nimbus.yaml': [
          'functions:',
          '  hello:',
          '    handler: hello.handler',
          '    triggers:',
          '      - http: { method: GET, path: /hello }',
          '  bye:',
          '    handler: bye.handler',
          '    triggers:',
          '      - http: { method: GET, path: /goodbye }',
          '',
        ].join('\n'),
      });
      await reloaded;
      assert.deepEqual(await (await fetch(`${project.url}/goodbye`)).json(), { bye: true });
    });

    it('keeps the last good manifest serving when nimbus.yaml becomes invalid, and says why', async () => {
      const rejected = next(project.gateway.onDidRejectManifest);
      await writeFiles(project.root, { 'nimbus.yaml': `functions:\n  hello:\n    handler: missing.handler\n` });
      const error = await rejected;
      assert.equal(error.code, 'MANIFEST_INVALID');
      const warning = project.logger.entries.find((entry) => entry.level === 'warn' && entry.message.includes(join(project.root, 'nimbus.yaml')));
      assert.ok(warning, JSON.stringify(project.logger.entries));
      for (const diagnostic of error.message.split('\n')) assert.equal(warning.message.split(diagnostic).length, 2, `said once: ${diagnostic}\n${warning.message}`);
      assert.deepEqual(await (await fetch(`${project.url}/hello`)).json(), { version: 1 });
    });
  });
});
