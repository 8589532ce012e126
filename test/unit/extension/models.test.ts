// Unit tests of the extension's view models and the Test Events protocol — plain mocha, no VS Code.
import * as assert from 'node:assert/strict';
import { presentDeployedTrigger, presentInvocation, recentInvocations } from '../../../src/extension/models/deployedTree';
import { exportLine } from '../../../src/extension/models/handlerExports';
import { presentFunction, presentTrigger } from '../../../src/extension/models/localTree';
import type { StoredLogLine } from '../../../src/shared/backendApi';
import type { FunctionSpec } from '../../../src/shared/manifest/model';
import { addToHistory, eventNameProblem, httpParts, parseEventText, parseHostMessage, parseWebviewMessage } from '../../../src/webview/protocol';

const fn: FunctionSpec = {
  name: 'thumbnail',
  handler: 'src/thumbnail.handler',
  handlerFile: '/project/src/thumbnail.ts',
  handlerExport: 'handler',
  runtime: 'node20',
  memory: 512,
  timeout: 30,
  env: {},
  concurrency: 10,
  instanceConcurrency: 1,
  network: false,
  triggers: [{ type: 'storage', bucket: 'uploads', events: ['created'], prefix: 'img/', suffix: '.png' }],
};

describe('extension view models', () => {
  it('describes a function by memory, timeout and trigger kinds', () => {
    const row = presentFunction(fn);
    assert.equal(row.label, 'thumbnail');
    assert.equal(row.description, '512 MB · 30 s · storage');
    assert.equal(row.contextValue, 'nimbus.localFunction');
  });

  it('shows each trigger kind with its own icon and details', () => {
    const never = () => undefined;
    assert.deepEqual(
      [presentTrigger({ type: 'http', method: 'GET', path: '/a/{id}', auth: 'none' }, never).label, presentTrigger(fn.triggers[0], never).description],
      ['GET /a/{id}', 'storage · created · img/*.png'],
    );
    const schedule = presentTrigger({ type: 'schedule', cron: '*/5 * * * *' }, () => new Date('2025-01-15T12:05:00Z'));
    assert.equal(schedule.description, 'schedule · next 12:05 UTC');
    assert.equal(schedule.icon, 'watch');
    assert.equal(presentTrigger({ type: 'schedule', cron: '0 0 30 2 *' }, never).description, 'schedule · never fires');
  });

  it('builds the public URL of a deployed HTTP trigger', () => {
    const row = presentDeployedTrigger({ type: 'http', method: 'GET', path: '/hello/{name}', auth: 'none' }, 'http://127.0.0.1:7700/');
    assert.equal(row.url, 'http://127.0.0.1:7700/fn/hello/{name}');
    assert.equal(row.contextValue, 'nimbus.deployedTrigger.http');
  });

  it('reads recent invocations, newest first, from stored log lines and their REPORT lines', () => {
    const line = (sequence: number, requestId: string, level: StoredLogLine['level'], message: string): StoredLogLine => ({
      sequence, requestId, level, message, functionName: 'api', time: `2025-01-15T12:00:0${sequence}.000Z`,
    });
    const invocations = recentInvocations([
      line(1, 'a', 'info', 'hello'),
      line(2, 'a', 'info', 'REPORT RequestId: a Duration: 12.50 ms Billed Duration: 13 ms Memory Size: 256 MB Max Memory Used: 40 MB Init Duration: 80.00 ms'),
      line(3, 'b', 'error', 'boom'),
      line(4, 'b', 'info', 'REPORT RequestId: b Duration: 3.00 ms Billed Duration: 3 ms Memory Size: 256 MB Max Memory Used: 40 MB'),
    ]);
    assert.deepEqual(invocations.map((invocation) => [invocation.requestId, invocation.failed, invocation.coldStart, invocation.durationMs]), [
      ['b', true, false, 3],
      ['a', false, true, 12.5],
    ]);
    assert.equal(presentInvocation(invocations[1]).description, 'ok · 12.5 ms · cold');
  });

  it('finds the line of a handler export for its code lens', () => {
    const source = "import x from 'y';\n\nexport async function handler(event) {}\nexport const other = 1;\n";
    assert.equal(exportLine(source, 'handler'), 2);
    assert.equal(exportLine(source, 'other'), 3);
    assert.equal(exportLine('export default { fetch() {} };', 'fetch'), 0);
    assert.equal(exportLine(source, 'missing'), undefined);
  });
});

describe('Test Events panel protocol', () => {
  it('accepts well-formed webview messages and drops anything else', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'send', functionId: 'f', target: 'local', eventText: '{}' }), { type: 'send', functionId: 'f', target: 'local', eventText: '{}' });
    assert.equal(parseWebviewMessage({ type: 'send', functionId: 'f', target: 'elsewhere', eventText: '{}' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'template', functionId: 'f', trigger: 'ftp' }), undefined);
    assert.equal(parseWebviewMessage('ready'), undefined);
    assert.equal(parseHostMessage({ type: 'functions', functions: [{ id: 1 }], remoteAvailable: false }), undefined);
  });

  it('says where invalid event JSON breaks', () => {
    const parsed = parseEventText('{\n  "a": 1,\n  oops\n}');
    assert.equal(parsed.ok, false);
    assert.match((parsed as { message: string }).message, /line 3/);
    assert.deepEqual(parseEventText('  '), { ok: true, event: {} });
  });

  it('allows only file-safe event names', () => {
    assert.equal(eventNameProblem('big-upload'), undefined);
    assert.ok(eventNameProblem('../escape'));
    assert.ok(eventNameProblem('a/b'));
  });

  it('splits an HTTP result and keeps a bounded history, newest first', () => {
    assert.deepEqual(httpParts({ statusCode: 201, headers: { a: 1 }, body: '{"ok":true}' }), { statusCode: 201, headers: { a: '1' }, body: { ok: true } });
    assert.equal(httpParts([1, 2]), undefined);
    let history: ReturnType<typeof addToHistory> = [];
    for (let index = 0; index < 25; index++) {
      history = addToHistory(history, { functionId: 'f', target: 'local', eventText: String(index), ok: true, durationMs: 1, time: '' });
    }
    assert.equal(history.length, 20);
    assert.equal(history[0].eventText, '24');
  });
});
