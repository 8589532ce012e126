// Executor layer: the instances of one function — warm reuse, several invocations on one instance up to its
// instanceConcurrency, scale-out up to the function's concurrency, a queue (or INSTANCE_LIMIT) beyond it, and scale
// to zero after an idle time.

import { randomUUID } from 'node:crypto';
import { Emitter, type Event } from '../shared/disposable';
import { NimbusError } from '../shared/errors';
import type { InvocationResult, LogLine, PriceModel } from '../shared/invocation';
import type { Logger } from '../shared/logger';
import type { BundleInfo, InstanceStats, InvokeOptions, RunnableFunction, SandboxLevel } from './api';
import { Instance } from './instance';
import type { NodeRuntime } from './sandbox';

export interface PoolOptions {
  fn: RunnableFunction;
  /** The bundle to run; asked again at every cold start, so an edited handler reaches new instances. */
  resolveBundle: () => Promise<BundleInfo>;
  resolveRuntime: () => Promise<{ harnessFile: string; sandbox: SandboxLevel; bubblewrap?: string; node: NodeRuntime }>;
  idleTimeoutMs: number;
  whenSaturated: 'queue' | 'reject';
  maxQueued: number;
  logger: Logger;
  prices?: PriceModel;
  onLog?: (line: LogLine) => void;
}

interface Waiter {
  resolve(instance: Instance): void;
  reject(error: unknown): void;
}

/** Identifies what makes instances interchangeable: a change here means new instances. */
export function specKey(fn: RunnableFunction): string {
  const { handlerFile, handlerExport, runtime, memory, timeout, env, concurrency, instanceConcurrency, network, prebuiltBundle } = fn;
  return JSON.stringify([handlerFile, handlerExport, runtime, memory, timeout, env, concurrency, instanceConcurrency, network, prebuiltBundle]);
}

export class FunctionPool {
  readonly key: string;
  private readonly instances = new Set<Instance>();
  /** Instances running nothing, most recently used last: reuse the warmest, let the rest age out. */
  private readonly idle: Instance[] = [];
  /** Instances running some invocations but fewer than they can (only with instanceConcurrency above 1). */
  private readonly partial = new Set<Instance>();
  /** Invocations handed each instance and not yet released (counted here: invoke() runs a turn after acquire). */
  private readonly claimed = new Map<Instance, number>();
  private readonly idleTimers = new Map<Instance, NodeJS.Timeout>();
  private readonly waiters: Waiter[] = [];
  /** Instances being started (bundling, spawning) that already count toward the concurrency. */
  private starting = 0;
  private retired = false;
  private currentBundle: BundleInfo | undefined;
  private readonly changeEmitter = new Emitter<InstanceStats>();
  readonly onDidChange: Event<InstanceStats> = this.changeEmitter.event;
  private readonly emptyEmitter = new Emitter<void>();
  /** Fires when a retired pool has nothing left running. */
  readonly onDidEmpty: Event<void> = this.emptyEmitter.event;

  constructor(private readonly options: PoolOptions) {
    this.key = specKey(options.fn);
  }

  get functionName(): string {
    return this.options.fn.name;
  }

  private get capacity(): number {
    return this.options.fn.instanceConcurrency;
  }

  /** Invocation slots of instances still starting that no invocation has claimed yet. */
  private get unclaimedStartingSlots(): number {
    return this.starting * (this.capacity - 1);
  }

  private get canStart(): boolean {
    return this.instances.size + this.starting < this.options.fn.concurrency;
  }

  stats(): InstanceStats {
    const instances = this.instances.size + this.starting;
    return { functionName: this.functionName, instances, busy: instances - this.idle.length, queued: this.waiters.length };
  }

  async invoke(event: unknown, options: InvokeOptions = {}): Promise<InvocationResult> {
    const requestId = options.requestId ?? randomUUID();
    const instance = await this.acquire();
    try {
      return await instance.invoke(event, { requestId, onLog: options.onLog });
    } finally {
      this.release(instance);
    }
  }

  /** Stops idle instances now (resolves once they are gone) and busy ones as they finish. */
  async retire(): Promise<void> {
    this.retired = true;
    const stopping = this.idle.splice(0).map((instance) => this.stop(instance));
    this.checkEmpty();
    await Promise.all(stopping);
  }

  async dispose(): Promise<void> {
    this.retired = true;
    this.idle.length = 0;
    const error = new NimbusError('INSTANCE_LIMIT', `The executor stopped before '${this.functionName}' had a free instance.`);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    await Promise.all([...this.instances].map((instance) => this.stop(instance)));
    this.changeEmitter.dispose();
    this.emptyEmitter.dispose();
  }

  private acquire(): Promise<Instance> {
    const warm = this.instanceWithRoom();
    if (warm) {
      this.claim(warm);
      this.changed();
      return Promise.resolve(warm);
    }
    // An instance being started has room for more than the invocation that started it: wait for it first.
    if (this.waiters.length >= this.unclaimedStartingSlots && this.canStart) return this.startInstance();
    if (this.options.whenSaturated === 'reject' && this.waiters.length >= this.unclaimedStartingSlots + this.options.maxQueued) {
      const { concurrency } = this.options.fn;
      return Promise.reject(
        new NimbusError(
          'INSTANCE_LIMIT',
          `All ${concurrency} instances of '${this.functionName}' are busy: raise its concurrency in nimbus.yaml or retry later.`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.changed();
    });
  }

  /** The busiest instance that can take one more invocation, else the warmest idle one. */
  private instanceWithRoom(): Instance | undefined {
    let busiest: Instance | undefined;
    for (const instance of this.partial) if (!busiest || this.claimsOf(instance) > this.claimsOf(busiest)) busiest = instance;
    return busiest ?? this.idle[this.idle.length - 1];
  }

  private claimsOf(instance: Instance): number {
    return this.claimed.get(instance) ?? 0;
  }

  /** Counts one more invocation on the instance. */
  private claim(instance: Instance): void {
    const index = this.idle.lastIndexOf(instance);
    if (index >= 0) this.idle.splice(index, 1);
    clearTimeout(this.idleTimers.get(instance));
    this.idleTimers.delete(instance);
    const claims = this.claimsOf(instance) + 1;
    this.claimed.set(instance, claims);
    if (claims < this.capacity) this.partial.add(instance);
    else this.partial.delete(instance);
  }

  private async startInstance(): Promise<Instance> {
    this.starting++;
    this.changed();
    try {
      const [bundle, runtime] = await Promise.all([this.options.resolveBundle(), this.options.resolveRuntime()]);
      if (this.currentBundle && this.currentBundle.file !== bundle.file) {
        // The handler changed: warm instances still run the old code (busy ones stop as they finish).
        for (const instance of this.idle.splice(0)) this.stop(instance);
        this.partial.clear();
      }
      this.currentBundle = bundle;
      const instance = new Instance({
        fn: this.options.fn,
        bundle,
        harnessFile: runtime.harnessFile,
        sandbox: runtime.sandbox,
        bubblewrap: runtime.bubblewrap,
        node: runtime.node,
        logger: this.options.logger,
        prices: this.options.prices,
        onLog: this.options.onLog,
      });
      this.instances.add(instance);
      instance.onDidExit(() => this.onInstanceExit(instance));
      this.starting--;
      this.claim(instance);
      this.changed();
      // Its other slots go to invocations that waited for it.
      queueMicrotask(() => this.serveWaiters());
      return instance;
    } catch (error) {
      // A failed start (the build broke) frees its slot: queued invocations try for themselves and learn why.
      this.starting--;
      this.changed();
      this.serveWaiters();
      throw error;
    }
  }

  private release(instance: Instance): void {
    const claims = this.claimsOf(instance) - 1;
    if (claims > 0) this.claimed.set(instance, claims);
    else this.claimed.delete(instance);
    const reusable = instance.isAlive && !this.retired && instance.bundle.file === this.currentBundle?.file;
    if (!reusable) {
      this.partial.delete(instance);
      if (claims <= 0) this.stop(instance);
      this.serveWaiters();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      this.claim(instance);
      waiter.resolve(instance);
      this.changed();
      return;
    }
    if (claims > 0) {
      this.partial.add(instance);
      this.changed();
      return;
    }
    this.partial.delete(instance);
    instance.setReferenced(false);
    this.idle.push(instance);
    const timer = setTimeout(() => this.stop(instance), this.options.idleTimeoutMs);
    timer.unref();
    this.idleTimers.set(instance, timer);
    this.changed();
  }

  /** Hands free slots to queued invocations and starts instances for the rest while there is room. */
  private serveWaiters(): void {
    for (let instance = this.instanceWithRoom(); instance && this.waiters.length; instance = this.instanceWithRoom()) {
      this.claim(instance);
      this.waiters.shift()!.resolve(instance);
    }
    while (this.waiters.length > this.unclaimedStartingSlots && this.canStart) {
      const waiter = this.waiters.shift()!;
      this.startInstance().then(waiter.resolve, waiter.reject);
    }
    this.changed();
  }

  private stop(instance: Instance): Promise<void> {
    const index = this.idle.indexOf(instance);
    if (index >= 0) this.idle.splice(index, 1);
    this.partial.delete(instance);
    clearTimeout(this.idleTimers.get(instance));
    this.idleTimers.delete(instance);
    return instance.dispose();
  }

  private onInstanceExit(instance: Instance): void {
    this.instances.delete(instance);
    this.partial.delete(instance);
    this.claimed.delete(instance);
    const index = this.idle.indexOf(instance);
    if (index >= 0) this.idle.splice(index, 1);
    clearTimeout(this.idleTimers.get(instance));
    this.idleTimers.delete(instance);
    this.changed();
    this.serveWaiters();
    this.checkEmpty();
  }

  private checkEmpty(): void {
    if (this.retired && this.instances.size === 0 && this.starting === 0 && this.waiters.length === 0) this.emptyEmitter.fire();
  }

  private changed(): void {
    this.changeEmitter.fire(this.stats());
  }
}
