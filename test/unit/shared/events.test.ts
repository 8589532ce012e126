// Unit tests of the AWS event shapes (DESIGN §3): golden templates, HTTP events and responses, S3 keys, SQS batches, cron times.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  decodeS3Key,
  encodeS3Key,
  eventTemplate,
  httpEvent,
  httpResponseFromResult,
  nextFireTimes,
  queueEvent,
  scheduleEvent,
  storageEvent,
} from '../../../src/shared/events';
import { parseManifest, triggerTypes, type FunctionSpec } from '../../../src/shared/manifest';
import { isNimbusError } from '../../../src/shared/errors';

const goldenFolder = path.resolve(__dirname, '../../fixtures/events');
const manifestFixture = path.resolve(__dirname, '../../fixtures/manifests/photo-app/nimbus.yaml');

/** Compares with test/fixtures/events/<name>.json; UPDATE_GOLDEN=1 rewrites the file instead. */
function assertGolden(name: string, value: unknown): void {
  const file = path.join(goldenFolder, `${name}.json`);
  const actual = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its golden file; run with UPDATE_GOLDEN=1 if the change is intended`);
}

function sampleFunctions(): { thumbnail: FunctionSpec; bare: FunctionSpec } {
  const { manifest } = parseManifest(readFileSync(manifestFixture, 'utf8'), '/projects/photo-app/nimbus.yaml');
  assert.ok(manifest);
  const bare = parseManifest('functions:\n  bare:\n    handler: index.handler\n', '/projects/bare/nimbus.yaml').manifest;
  assert.ok(bare);
  return { thumbnail: manifest.functions[0], bare: bare.functions[0] };
}

describe('event templates', () => {
  const { thumbnail, bare } = sampleFunctions();

  for (const type of triggerTypes) {
    it(`fills the ${type} template from the function's trigger (golden)`, () => {
      assertGolden(`thumbnail-${type}`, eventTemplate(thumbnail, type));
    });
    it(`gives a generic ${type} template for a function without that trigger (golden)`, () => {
      assertGolden(`generic-${type}`, eventTemplate(bare, type));
    });
  }

  it('fills path parameters, a matching key, the topic and the rule name', () => {
    const http = eventTemplate(thumbnail, 'http');
    assert.equal(http.rawPath, '/thumbs/123');
    assert.deepEqual(http.pathParameters, { id: '123' });
    assert.equal(http.routeKey, 'GET /thumbs/{id}');
    assert.equal(eventTemplate(thumbnail, 'storage').Records[0].s3.object.key, 'img/sample.png');
    assert.equal(eventTemplate(thumbnail, 'queue').Records[0].eventSourceARN, 'arn:aws:sqs:local:000000000000:orders');
    assert.deepEqual(eventTemplate(thumbnail, 'schedule').resources, ['arn:aws:events:local:000000000000:rule/thumbnail-schedule']);
  });

  it('adds a JSON body for POST routes and a greedy sample for {proxy+}', () => {
    const { manifest } = parseManifest('functions:\n  api:\n    handler: a.handler\n    triggers:\n      - http: { method: POST, path: /files/{proxy+} }\n', '/p/nimbus.yaml');
    assert.ok(manifest);
    const event = eventTemplate(manifest.functions[0], 'http');
    assert.equal(event.rawPath, '/files/sample/path');
    assert.equal(event.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(event.body ?? ''), { message: 'Hello from Nimbus' });
  });
});

describe('HTTP events', () => {
  const base = { method: 'get', path: '/thumbs/42', routeKey: 'GET /thumbs/{id}', requestId: 'r-1', time: new Date('2024-03-12T19:03:58.123Z') };

  it('lower-cases headers, joins repeated ones, and moves cookies out of the headers', () => {
    const event = httpEvent({ ...base, headers: { 'X-Tag': ['a', 'b'], Host: 'api.example.com:7070', Cookie: 'a=1; b=2', 'User-Agent': 'curl/8' } });
    assert.deepEqual(event.headers, { 'x-tag': 'a,b', host: 'api.example.com:7070', 'user-agent': 'curl/8' });
    assert.deepEqual(event.cookies, ['a=1', 'b=2']);
    assert.equal(event.requestContext.domainName, 'api.example.com');
    assert.equal(event.requestContext.domainPrefix, 'api');
    assert.equal(event.requestContext.http.userAgent, 'curl/8');
    assert.equal(event.requestContext.http.method, 'GET');
    assert.equal(event.requestContext.time, '12/Mar/2024:19:03:58 +0000');
    assert.equal(event.requestContext.timeEpoch, 1710270238123);
    assert.equal(event.requestContext.stage, '$default');
  });

  it('parses the query string, joining repeated keys with commas, and leaves out empty parts', () => {
    const event = httpEvent({ ...base, rawQueryString: 'a=1&a=2&b=x%20y&flag' });
    assert.equal(event.rawQueryString, 'a=1&a=2&b=x%20y&flag');
    assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x y', flag: '' });
    const plain = httpEvent(base);
    assert.equal('queryStringParameters' in plain || 'pathParameters' in plain || 'body' in plain || 'cookies' in plain, false);
  });

  it('sends text bodies as text and binary bodies as base64', () => {
    const text = httpEvent({ ...base, body: new TextEncoder().encode('{"a":"é"}'), headers: { 'content-type': 'application/json' } });
    assert.deepEqual([text.body, text.isBase64Encoded], ['{"a":"é"}', false]);
    const invalidUtf8 = httpEvent({ ...base, body: new Uint8Array([0xff, 0xfe, 0x00]) });
    assert.deepEqual([invalidUtf8.body, invalidUtf8.isBase64Encoded], ['//4A', true]);
    const image = httpEvent({ ...base, body: 'abc', headers: { 'content-type': 'image/png' } });
    assert.deepEqual([image.body, image.isBase64Encoded], ['YWJj', true]);
  });

  it('honours a structured result, decoding base64 bodies', () => {
    const response = httpResponseFromResult({ statusCode: 201, headers: { 'X-Id': 7 }, body: 'aGk=', isBase64Encoded: true, cookies: ['s=1'] });
    assert.equal(response.statusCode, 201);
    assert.deepEqual(response.headers, { 'x-id': '7' });
    assert.deepEqual(response.cookies, ['s=1']);
    assert.equal(new TextDecoder().decode(response.body), 'hi');
  });

  it('refuses a structured result whose status does not exist', () => {
    for (const statusCode of [999, 99, 200.5]) {
      assert.throws(
        () => httpResponseFromResult({ statusCode, body: 'x' }),
        (error: unknown) => isNimbusError(error) && error.code === 'FUNCTION_ERROR' && error.message.includes(`statusCode ${statusCode}; an HTTP status is a whole number from 100 to 599`),
      );
    }
  });

  it('returns any other value with status 200 as application/json, a string as it is', () => {
    const object = httpResponseFromResult({ message: 'hi' });
    assert.deepEqual([object.statusCode, object.headers, new TextDecoder().decode(object.body)], [200, { 'content-type': 'application/json' }, '{"message":"hi"}']);
    assert.equal(new TextDecoder().decode(httpResponseFromResult('Hello from Lambda!').body), 'Hello from Lambda!');
    assert.equal(new TextDecoder().decode(httpResponseFromResult([1, 2]).body), '[1,2]');
    assert.equal(httpResponseFromResult({ statusCode: '200' }).statusCode, 200, 'a string statusCode is data, not a structured result');
  });
});

describe('storage, queue and schedule events', () => {
  const time = new Date('2024-05-01T10:00:00.000Z');

  it('URL-encodes S3 keys like S3 does and decodes them back', () => {
    assert.equal(encodeS3Key('img/red flower (1).png'), 'img/red+flower+%281%29.png');
    assert.equal(decodeS3Key(encodeS3Key('a/ü b+c.txt')), 'a/ü b+c.txt');
  });

  it('builds ObjectCreated and ObjectRemoved records', () => {
    const created = storageEvent({ bucket: 'uploads', key: 'a b.png', size: 5, eTag: 'abc', eventName: 'created', time }).Records[0];
    assert.equal(created.eventName, 'ObjectCreated:Put');
    assert.deepEqual(created.s3.bucket, { name: 'uploads', ownerIdentity: { principalId: 'nimbus-local' }, arn: 'arn:aws:s3:::uploads' });
    assert.deepEqual({ ...created.s3.object, sequencer: undefined }, { key: 'a+b.png', size: 5, eTag: 'abc', sequencer: undefined });
    const deleted = storageEvent({ bucket: 'uploads', key: 'a.png', eventName: 'deleted', time }).Records[0];
    assert.equal(deleted.eventName, 'ObjectRemoved:Delete');
    assert.equal('size' in deleted.s3.object, false);
  });

  it('builds SQS records with an MD5 of the body and a receipt handle per delivery', () => {
    const event = queueEvent('orders', [
      { messageId: 'm1', body: 'hello', sentAt: time, attributes: { kind: 'test' } },
      { messageId: 'm1', body: 'hello', sentAt: time, receiveCount: 2 },
    ]);
    const [first, retry] = event.Records;
    assert.equal(first.md5OfBody, createHash('md5').update('hello').digest('hex'));
    assert.equal(first.attributes.SentTimestamp, String(time.getTime()));
    assert.equal(retry.attributes.ApproximateReceiveCount, '2');
    assert.notEqual(first.receiptHandle, retry.receiptHandle);
    assert.deepEqual(first.messageAttributes.kind, { stringValue: 'test', stringListValues: [], binaryListValues: [], dataType: 'String' });
  });

  it('builds an EventBridge scheduled event with whole-second time', () => {
    const event = scheduleEvent({ ruleName: 'nightly', time });
    assert.equal(event.time, '2024-05-01T10:00:00Z');
    assert.equal(event.source, 'aws.events');
    assert.equal(event['detail-type'], 'Scheduled Event');
    assert.match(event.id, /^[0-9a-f-]{36}$/);
  });

  it('computes the next fire times of a cron, in a time zone', () => {
    const from = new Date('2024-01-01T00:01:00Z');
    assert.deepEqual(nextFireTimes('*/5 * * * *', 3, undefined, from).map((date) => date.toISOString()),
      ['2024-01-01T00:05:00.000Z', '2024-01-01T00:10:00.000Z', '2024-01-01T00:15:00.000Z']);
    assert.deepEqual(nextFireTimes('0 9 * * *', 1, 'Europe/Berlin', from).map((date) => date.toISOString()), ['2024-01-01T08:00:00.000Z']);
  });
});
