// Executor layer: the queue event source — topics that batch published messages into SQS events, retry failed
// messages with backoff and keep those that used up their retries in a dead-letter list per topic.

import { randomUUID } from 'node:crypto';
import { NimbusError, toNimbusError } from '../../shared/errors';
import { queueEvent } from '../../shared/events';
import type { FunctionErrorPayload, InvocationResult } from '../../shared/invocation';
import type { FunctionSpec, QueueTrigger } from '../../shared/manifest/model';
import type { ControlRoute, EventSource, EventSourceModule, SourceHost, TriggerBinding } from './source';

interface QueuedMessage {
  messageId: string;
  body: string;
  /** How often it has been handed to the function, this delivery included. */
  receiveCount: number;
  /** When it was published: SQS's SentTimestamp, the same on every delivery. */
  sentAt: Date;
}

export interface DeadLetter {
  messageId: string;
  topic: string;
  functionName: string;
  body: string;
  receiveCount: number;
  error: FunctionErrorPayload;
  /** ISO-8601. */
  time: string;
}

/** One function's subscription to a topic: each subscribed function gets every message (fan-out). */
interface Subscription {
  topic: string;
  function: FunctionSpec;
  batchSize: number;
  maxRetries: number;
  pending: QueuedMessage[];
  windowTimer?: NodeJS.Timeout;
  inFlight: number;
}

export interface TopicDescription {
  topic: string;
  functions: { function: string; batchSize: number; maxRetries: number; pending: number; inFlight: number }[];
  deadLetters: number;
}

export class QueueSource implements EventSource<QueueTrigger> {
  readonly type = 'queue';
  /** topic → function name → subscription. */
  private topics = new Map<string, Map<string, Subscription>>();
  private readonly deadLetterLists = new Map<string, DeadLetter[]>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private disposed = false;

  constructor(private readonly host: SourceHost) {}

  async configure(bindings: readonly TriggerBinding<QueueTrigger>[]): Promise<void> {
    const topics = new Map<string, Map<string, Subscription>>();
    for (const { function: fn, trigger } of bindings) {
      // A reload keeps what is pending and in flight; only the function and its settings change.
      const subscription: Subscription = this.topics.get(trigger.topic)?.get(fn.name) ?? {
        topic: trigger.topic,
        function: fn,
        batchSize: trigger.batchSize,
        maxRetries: trigger.maxRetries,
        pending: [],
        inFlight: 0,
      };
      subscription.function = fn;
      subscription.batchSize = trigger.batchSize;
      subscription.maxRetries = trigger.maxRetries;
      const subscriptions = topics.get(trigger.topic) ?? new Map<string, Subscription>();
      subscriptions.set(fn.name, subscription);
      topics.set(trigger.topic, subscriptions);
    }
    for (const [topic, subscriptions] of this.topics) {
      for (const [name, subscription] of subscriptions) {
        if (topics.get(topic)?.has(name)) continue;
        clearTimeout(subscription.windowTimer);
        if (subscription.pending.length) {
          this.host.logger.warn(`${name} no longer reads topic ${topic}; ${subscription.pending.length} pending message(s) dropped.`);
        }
      }
    }
    this.topics = topics;
    for (const subscriptions of topics.values()) for (const subscription of subscriptions.values()) this.schedule(subscription);
  }

  /** Publishes message bodies to every function reading the topic; returns their message ids. */
  publish(topic: string, bodies: string[]): string[] {
    const subscriptions = this.topics.get(topic);
    if (!subscriptions) {
      throw new NimbusError('NOT_FOUND', `No function reads topic "${topic}"; topics: ${[...this.topics.keys()].join(', ') || 'none'}.`);
    }
    const messageIds = bodies.map(() => randomUUID());
    const sentAt = new Date();
    for (const subscription of subscriptions.values()) {
      for (const [position, body] of bodies.entries()) {
        subscription.pending.push({ messageId: messageIds[position]!, body, receiveCount: 0, sentAt });
      }
      this.schedule(subscription);
    }
    return messageIds;
  }

  deadLetters(topic: string): DeadLetter[] {
    if (!this.topics.has(topic) && !this.deadLetterLists.has(topic)) {
      throw new NimbusError('NOT_FOUND', `There is no topic "${topic}"; topics: ${[...this.topics.keys()].join(', ') || 'none'}.`);
    }
    return this.deadLetterLists.get(topic) ?? [];
  }

  describe(): TopicDescription[] {
    return [...this.topics].map(([topic, subscriptions]) => ({
      topic,
      functions: [...subscriptions.values()].map((subscription) => ({
        function: subscription.function.name,
        batchSize: subscription.batchSize,
        maxRetries: subscription.maxRetries,
        pending: subscription.pending.length,
        inFlight: subscription.inFlight,
      })),
      deadLetters: this.deadLetterLists.get(topic)?.length ?? 0,
    }));
  }

  controlRoutes(): ControlRoute[] {
    return [
      {
        method: 'POST',
        path: '/queues/{topic}/messages',
        status: 202,
        handle: (request) => {
          const topic = request.pathParameters.topic ?? '';
          return { messageIds: this.publish(topic, messageBodiesOf(request.body, request.json)) };
        },
      },
      {
        method: 'GET',
        path: '/queues/{topic}/dead-letters',
        handle: (request) => this.deadLetters(request.pathParameters.topic ?? ''),
      },
    ];
  }

  /** Delivers full batches now and a partial one once the batch window has passed. */
  private schedule(subscription: Subscription): void {
    if (this.disposed) return;
    while (subscription.pending.length >= subscription.batchSize) this.deliver(subscription);
    if (subscription.pending.length === 0) {
      clearTimeout(subscription.windowTimer);
      subscription.windowTimer = undefined;
    } else if (!subscription.windowTimer) {
      subscription.windowTimer = setTimeout(() => {
        subscription.windowTimer = undefined;
        if (this.isCurrent(subscription) && subscription.pending.length) this.deliver(subscription);
        this.schedule(subscription);
      }, this.host.timing.batchWindowMs);
    }
  }

  private deliver(subscription: Subscription): void {
    const batch = subscription.pending.splice(0, subscription.batchSize);
    for (const message of batch) message.receiveCount += 1;
    subscription.inFlight += batch.length;
    void this.run(subscription, batch).finally(() => {
      subscription.inFlight -= batch.length;
    });
  }

  private async run(subscription: Subscription, batch: QueuedMessage[]): Promise<void> {
    const { topic, function: fn } = subscription;
    const event = queueEvent(topic, batch.map(({ messageId, body, receiveCount, sentAt }) => ({ messageId, body, receiveCount, sentAt })));
    let failed: QueuedMessage[];
    let error: FunctionErrorPayload | undefined;
    try {
      const result = await this.host.invoke(fn, event, `queue ${topic}`);
      error = result.error;
      failed = error ? batch : reportedFailures(result, batch);
      error ??= { errorType: 'BatchItemFailure', errorMessage: 'The function reported this message in batchItemFailures.' };
    } catch (thrown) {
      const failure = toNimbusError(thrown);
      error = { errorType: failure.code, errorMessage: failure.message };
      failed = batch;
    }
    for (const message of failed) this.retryOrDeadLetter(subscription, message, error);
  }

  private retryOrDeadLetter(subscription: Subscription, message: QueuedMessage, error: FunctionErrorPayload): void {
    if (this.disposed) return;
    if (message.receiveCount > subscription.maxRetries) {
      const list = this.deadLetterLists.get(subscription.topic) ?? [];
      list.push({
        messageId: message.messageId,
        topic: subscription.topic,
        functionName: subscription.function.name,
        body: message.body,
        receiveCount: message.receiveCount,
        error,
        time: new Date().toISOString(),
      });
      this.deadLetterLists.set(subscription.topic, list);
      this.host.logger.warn(
        `Message ${message.messageId} on topic ${subscription.topic} failed ${message.receiveCount} time(s) in ${subscription.function.name}; moved to its dead letters.`,
      );
      return;
    }
    const { retryBaseMs, retryMaxMs } = this.host.timing;
    const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** (message.receiveCount - 1));
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      // The subscription may have been replaced or removed by a manifest reload meanwhile.
      const current = this.topics.get(subscription.topic)?.get(subscription.function.name);
      if (!current) return;
      current.pending.push(message);
      this.schedule(current);
    }, delay);
    this.retryTimers.add(timer);
  }

  private isCurrent(subscription: Subscription): boolean {
    return this.topics.get(subscription.topic)?.get(subscription.function.name) === subscription;
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const subscriptions of this.topics.values()) for (const subscription of subscriptions.values()) clearTimeout(subscription.windowTimer);
    this.topics.clear();
  }
}

/** Lambda's partial batch response: `{ batchItemFailures: [{ itemIdentifier: messageId }] }` retries only those. */
function reportedFailures(result: InvocationResult, batch: QueuedMessage[]): QueuedMessage[] {
  const failures = (result.result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (!Array.isArray(failures)) return [];
  const ids = new Set(failures.map((failure) => (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier));
  return batch.filter((message) => ids.has(message.messageId));
}

/** A published body is one message, or `{ messages: [...] }`; strings go as they are, anything else as JSON. */
function messageBodiesOf(raw: Buffer, json: () => unknown): string[] {
  let value: unknown;
  try {
    value = json();
  } catch {
    // Not JSON: plain text is a fine SQS message body (`curl -d hello`).
    return [raw.toString('utf8')];
  }
  if (value === undefined) throw new NimbusError('EVENT_INVALID', 'The message is empty; send a JSON body or { "messages": [...] }.');
  const messages = (value as { messages?: unknown } | null)?.messages;
  const list = Array.isArray(messages) ? messages : [value];
  return list.map((message) => (typeof message === 'string' ? message : JSON.stringify(message)));
}

export const queueSource: EventSourceModule<QueueTrigger, QueueSource> = {
  type: 'queue',
  create: (host) => new QueueSource(host),
};
