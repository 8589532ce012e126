// Backend layer: queue topics. Messages are stored before the enqueue is acknowledged, delivered in batches to each
// subscribed function, retried with exponential backoff, and moved to the dead letters once retries are used up.

import { randomUUID } from 'node:crypto';
import { queueEvent } from '../../shared/events';
import type { IDisposable } from '../../shared/disposable';
import type { Logger } from '../../shared/logger';
import type { EnqueueResponse } from '../../shared/backendApi';
import type { DeployedFunction, FunctionHost } from '../functionHost';
import type { MetadataStore } from '../store';

export interface QueueTiming {
  /** First retry after this long, doubling per receive. */
  retryBaseMs: number;
  retryMaxMs: number;
}

interface Subscription {
  functionName: string;
  topic: string;
  batchSize: number;
  maxRetries: number;
}

export class QueueDispatcher implements IDisposable {
  private subscriptions: Subscription[] = [];
  /** Per subscription: whether a delivery loop runs, whether it must look again, and its retry timer. */
  private readonly loops = new Map<string, { running: Promise<void> | undefined; again: boolean; timer?: NodeJS.Timeout }>();
  private readonly subscription: IDisposable;
  private disposed = false;

  constructor(
    private readonly host: FunctionHost,
    private readonly store: MetadataStore,
    private readonly timing: QueueTiming,
    private readonly logger: Logger,
  ) {
    this.subscription = host.onDidChangeFunctions((functions) => this.subscribe(functions));
  }

  /** Stores the messages durably for every subscriber, then starts delivering them. */
  enqueue(topic: string, bodies: string[]): EnqueueResponse {
    const subscribers = this.subscriptions.filter((candidate) => candidate.topic === topic);
    const messages = bodies.map((body) => ({ messageId: randomUUID(), body }));
    const functionNames = [...new Set(subscribers.map((candidate) => candidate.functionName))];
    this.store.enqueue(topic, functionNames, messages);
    for (const subscriber of subscribers) this.pump(subscriber);
    return { topic, messageIds: messages.map((message) => message.messageId), subscribers: functionNames };
  }

  /** Stops delivering and waits for batches being delivered. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.subscription.dispose();
    for (const loop of this.loops.values()) clearTimeout(loop.timer);
    await Promise.all([...this.loops.values()].map((loop) => loop.running));
  }

  private subscribe(functions: readonly DeployedFunction[]): void {
    this.subscriptions = functions.flatMap((deployed) =>
      deployed.config.triggers.flatMap((trigger) =>
        trigger.type === 'queue'
          ? [{ functionName: deployed.name, topic: trigger.topic, batchSize: trigger.batchSize, maxRetries: trigger.maxRetries }]
          : [],
      ),
    );
    // Messages stored before a restart or a redeploy are picked up here.
    for (const subscriber of this.subscriptions) this.pump(subscriber);
  }

  private pump(subscriber: Subscription): void {
    if (this.disposed) return;
    const key = `${subscriber.functionName}\u0000${subscriber.topic}`;
    let loop = this.loops.get(key);
    if (!loop) {
      loop = { running: undefined, again: false };
      this.loops.set(key, loop);
    }
    clearTimeout(loop.timer);
    if (loop.running) {
      loop.again = true;
      return;
    }
    const state = loop;
    state.running = this.deliverAll(subscriber, state).finally(() => {
      state.running = undefined;
      if (state.again) {
        state.again = false;
        this.pump(subscriber);
      } else {
        this.scheduleRetry(subscriber, state);
      }
    });
  }

  private async deliverAll(subscriber: Subscription, state: { again: boolean }): Promise<void> {
    while (!this.disposed && this.isCurrent(subscriber)) {
      state.again = false;
      const messages = this.store.claimMessages(subscriber.functionName, subscriber.topic, subscriber.batchSize);
      if (messages.length === 0) return;
      const event = queueEvent(
        subscriber.topic,
        messages.map(({ messageId, body, receiveCount, sentAt }) => ({ messageId, body, receiveCount, ...(sentAt === undefined ? {} : { sentAt: new Date(sentAt) }) })),
      );
      let failure: string | undefined;
      try {
        const response = await this.host.invoke(subscriber.functionName, event, 'queue');
        if (response.error) failure = `${response.error.errorType}: ${response.error.errorMessage}`;
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      if (failure === undefined) {
        this.store.acknowledgeMessages(messages.map((message) => message.id));
      } else {
        const receives = Math.max(...messages.map((message) => message.receiveCount));
        const delay = Math.min(this.timing.retryMaxMs, this.timing.retryBaseMs * 2 ** (receives - 1));
        this.store.failMessages(messages, failure, subscriber.maxRetries, Date.now() + delay);
        this.logger.warn('queue batch failed', { function: subscriber.functionName, topic: subscriber.topic, receives, error: failure });
      }
    }
  }

  /** Wakes the loop when the earliest message waiting for a retry becomes visible. */
  private scheduleRetry(subscriber: Subscription, state: { timer?: NodeJS.Timeout }): void {
    if (this.disposed || !this.isCurrent(subscriber)) return;
    const at = this.store.nextVisibleAt(subscriber.functionName, subscriber.topic);
    if (at === undefined) return;
    state.timer = setTimeout(() => this.pump(subscriber), Math.max(0, at - Date.now()));
  }

  private isCurrent(subscriber: Subscription): boolean {
    return this.subscriptions.some(
      (candidate) => candidate.functionName === subscriber.functionName && candidate.topic === subscriber.topic,
    );
  }
}
