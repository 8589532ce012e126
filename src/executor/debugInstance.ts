// Executor layer: an instance started for a debugger — inspector open on loopback, waiting for the debugger to
// release it before the handler loads, so breakpoints set by URL bind before the handler's first line.

import { randomUUID } from 'node:crypto';
import { Emitter, type Event } from '../shared/disposable';
import { NimbusError } from '../shared/errors';
import { timeoutErrorType, type FunctionErrorPayload, type InvocationResult } from '../shared/invocation';
import type { BundleInfo, DebugInstance, DebugInstanceExit, InvokeOptions } from './api';
import { Instance, type InstanceOptions } from './instance';

/** How long the harness may take to open its inspector and report the URL. */
const inspectorTimeoutMs = 10_000;

export class LocalDebugInstance implements DebugInstance {
  readonly functionName: string;
  readonly bundle: BundleInfo;
  readonly ready: Promise<void>;
  private readonly exitEmitter = new Emitter<DebugInstanceExit>();
  readonly onDidExit: Event<DebugInstanceExit> = this.exitEmitter.event;
  /** Invocations run one after another on the one instance. */
  private queue: Promise<unknown> = Promise.resolve();
  /** What ended the instance, when an invocation did (see DebugInstanceExit.reason). */
  private endedBy?: string;

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
      this.exitEmitter.fire(this.endedBy === undefined ? exit : { ...exit, reason: this.endedBy });
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
        const why = this.endedBy ? ` (${this.endedBy})` : '';
        throw new NimbusError('FUNCTION_CRASHED', `The function of this debug session, '${this.functionName}', is no longer running${why}: restart the debug session to send it more events.`);
      }
      const result = await this.instance.invoke(event, { requestId: options.requestId ?? randomUUID(), onLog: options.onLog });
      // The instance kills a process whose invocation ended it before it answers that invocation.
      if (result.error && !this.instance.isAlive) this.endedBy ??= endReason(result.error);
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

/** The error of the invocation that ended an instance, as the end of a sentence. */
function endReason(error: FunctionErrorPayload): string {
  // The runtime's own errors read as sentences: "the function called process.exit(3)", "Task timed out after 1.00 seconds".
  if (error.errorType.startsWith('Runtime.') || error.errorType === timeoutErrorType) return error.errorMessage;
  return `uncaught ${error.errorType}: ${error.errorMessage}`;
}
