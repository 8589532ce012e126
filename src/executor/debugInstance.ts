// Executor layer: an instance started for a debugger — inspector open on loopback, waiting for the debugger to
// release it before the handler loads, so breakpoints set by URL bind before the handler's first line.

import { randomUUID } from 'node:crypto';
import { Emitter, type Event } from '../shared/disposable';
import { NimbusError } from '../shared/errors';
import type { InvocationResult } from '../shared/invocation';
import type { BundleInfo, DebugInstance, InvokeOptions } from './api';
import { Instance, type InstanceExit, type InstanceOptions } from './instance';

/** How long the harness may take to open its inspector and report the URL. */
const inspectorTimeoutMs = 10_000;

export class LocalDebugInstance implements DebugInstance {
  readonly functionName: string;
  readonly bundle: BundleInfo;
  readonly ready: Promise<void>;
  private readonly exitEmitter = new Emitter<InstanceExit>();
  readonly onDidExit: Event<InstanceExit> = this.exitEmitter.event;
  /** Invocations run one after another on the one instance. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: Instance,
    readonly inspectorUrl: string,
  ) {
    this.functionName = instance.functionName;
    this.bundle = instance.bundle;
    this.ready = instance.ready.then((failure) => {
      if (failure) throw new NimbusError('DEBUG_ATTACH_FAILED', `'${this.functionName}' failed to load: ${failure.error.errorMessage}`);
    });
    // Callers that only invoke learn of a load failure from invoke(); keep `ready` from being an unhandled rejection.
    this.ready.catch(() => undefined);
    instance.onDidExit((exit) => {
      this.exitEmitter.fire(exit);
      this.exitEmitter.dispose();
    });
  }

  static async start(options: InstanceOptions): Promise<LocalDebugInstance> {
    const instance = new Instance(options);
    instance.setReferenced(true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new NimbusError('DEBUG_ATTACH_FAILED', `The debug instance of '${instance.functionName}' did not open its inspector within ${inspectorTimeoutMs / 1000} s.`)),
        inspectorTimeoutMs,
      );
    });
    try {
      const url = await Promise.race([instance.inspectorUrl, timeout]);
      return new LocalDebugInstance(instance, url);
    } catch (error) {
      await instance.dispose();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  invoke(event: unknown, options: InvokeOptions = {}): Promise<InvocationResult> {
    const run = async () => {
      if (!this.instance.isAlive) {
        throw new NimbusError('FUNCTION_CRASHED', `The debug instance of '${this.functionName}' has exited: start a new debug session.`);
      }
      const result = await this.instance.invoke(event, { requestId: options.requestId ?? randomUUID(), onLog: options.onLog });
      // Between invocations the debugger's socket keeps the session alive; the instance keeps the host alive too.
      if (this.instance.isAlive) this.instance.setReferenced(true);
      return result;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  setPaused(paused: boolean): void {
    this.instance.setPaused(paused);
  }

  dispose(): Promise<void> {
    return this.instance.dispose();
  }
}
