// Unit tests of the queue event source: published messages reach the real function in batches; failures are retried
// with backoff and end in the topic's dead letters.

import assert from 'node:assert/strict';
import type { DeadLetter } from '../../../src/executor/sources/queue';
import { serve, until, type ServedProject } from './project';

const manifest = `
functions:
  orders:
    handler: orders.handler
    triggers:
      - queue: { topic: orders, batchSize: 3, maxRetries: 0 }
  payments:
    handler: payments.handler
    triggers:
      - queue: { topic: payments, batchSize: 1, maxRetries: 2 }
  mixed:
    handler: mixed.handler
    triggers:
      - queue: { topic: mixed, batchSize: 4, maxRetries: 1 }
`;

const files = {
  'nimbus.yaml': manifest,
  'orders.js': `exports.handler = async (event) => ({ bodies: event.Records.map((record) => record.body) });`,
  'payments.js': `exports.handler = async (event) => {
    console.log('sent ' + event.Records[0].attributes.SentTimestamp);
    throw new Error('card declined for ' + event.Records[0].body);
  };`,
  // Lambda's partial batch response: only the messages it names are retried.
  'mixed.js': `exports.handler = async (event) => ({
    batchItemFailures: event.Records.filter((record) => record.body === 'bad').map((record) => ({ itemIdentifier: record.messageId })),
  });`,
};

describe('queue source', function () {
  this.timeout(20_000);
  let project: ServedProject;

  before(async () => {
    project = await serve(files, { timing: { batchWindowMs: 50, retryBaseMs: 10, retryMaxMs: 50 } });
  });

  after(async () => {
    await project?.dispose();
  });

  const publish = (topic: string, body: string, contentType = 'application/json') =>
    fetch(`${project.url}/_nimbus/queues/${topic}/messages`, { method: 'POST', body, headers: { 'content-type': contentType } });

  const deadLetters = async (topic: string) =>
    (await (await fetch(`${project.url}/_nimbus/queues/${topic}/dead-letters`)).json()) as DeadLetter[];

  const batchesOf = (name: string) =>
    project.invocations.filter((invocation) => invocation.result.functionName === name).map((invocation) => invocation.result.result as { bodies: string[] });

  it('delivers published messages in batches of batchSize, and the rest after the batch window', async () => {
    const response = await publish('orders', JSON.stringify({ messages: [{ n: 1 }, { n: 2 }, 'three', { n: 4 }] }));
    assert.equal(response.status, 202);
    const { messageIds } = (await response.json()) as { messageIds: string[] };
    assert.equal(messageIds.length, 4);
    const batches = await until(() => {
      const found = batchesOf('orders');
      return found.flatMap((batch) => batch.bodies).length >= 4 ? found : undefined;
    }, 5000, 'four messages delivered');
    // Both batches run at once on two instances, so they may finish in either order.
    const [full, rest] = [...batches].sort((left, right) => right.bodies.length - left.bodies.length);
    assert.deepEqual(full?.bodies, ['{"n":1}', '{"n":2}', 'three']);
    assert.deepEqual(rest?.bodies, ['{"n":4}']);
    assert.equal(batches.length, 2);
  });

  it('takes a plain-text body as one message', async () => {
    const before = batchesOf('orders').length;
    assert.equal((await publish('orders', 'hello there', 'text/plain')).status, 202);
    const batch = await until(() => batchesOf('orders')[before], 5000, 'plain message delivered');
    assert.deepEqual(batch.bodies, ['hello there']);
  });

  it('retries a failing message maxRetries times with growing receive counts, then dead-letters it', async () => {
    await publish('payments', JSON.stringify({ amount: 5 }));
    const letters = await until(async () => {
      const list = await deadLetters('payments');
      return list.length ? list : undefined;
    }, 5000, 'dead letter');
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.body, '{"amount":5}');
    assert.equal(letters[0]!.receiveCount, 3);
    assert.equal(letters[0]!.functionName, 'payments');
    assert.match(letters[0]!.error.errorMessage, /card declined/);
    const attempts = project.invocations.filter((invocation) => invocation.result.functionName === 'payments');
    assert.equal(attempts.length, 3);
    // SQS's SentTimestamp is when the message was sent: every delivery says the same.
    const sent = attempts.map((attempt) => attempt.result.logs.find((line) => line.message.startsWith('sent '))?.message);
    assert.match(sent[0] ?? '', /^sent \d{13}$/);
    assert.deepEqual(new Set(sent).size, 1, sent.join(', '));
  });

  it('retries only the messages a batch reports in batchItemFailures', async () => {
    await publish('mixed', JSON.stringify({ messages: ['good', 'bad', 'fine'] }));
    const letters = await until(async () => {
      const list = await deadLetters('mixed');
      return list.length ? list : undefined;
    }, 5000, 'dead letter');
    assert.deepEqual(letters.map((letter) => [letter.body, letter.receiveCount]), [['bad', 2]]);
    const invocations = project.invocations.filter((invocation) => invocation.result.functionName === 'mixed');
    assert.equal(invocations.length, 2, 'the first batch of three, then the one failed message again');
  });

  it('answers 404 naming the topics for a topic no function reads', async () => {
    const response = await publish('nowhere', '{}');
    assert.equal(response.status, 404);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'NOT_FOUND');
    assert.match(error.message, /orders, payments, mixed/);
  });
});
