// Backend layer: runs deployed functions — keeps the active version of each function, invokes it through the
// executor (same sandbox, limits and reports as local runs), stores each invocation with its logs before answering
// (group commit), and counts in-flight invocations so shutdown can drain them.

import { randomUUID } from 'node:crypto';
import { dirname, join, sep } from 'node:path';
import { Emitter } from '../shared/disposable';
import { NimbusError } from '../shared/errors';
import { formatReport, isTimeout, type FunctionErrorPayload, type InvocationResult, type LogLine } from '../shared/invocation';
import type { Logger } from '../shared/logger';
import type { DeployConfig, InvokeResponse } from '../shared/backendApi';
import type { Executor, RunnableFunction } from '../executor/api';
import type { BundleStore } from './bundleStore';
import { GroupCommit } from './groupCommit';
import type { MetadataStore, RecordedInvocation } from './store';

export interface DeployedFunction {
  name: string;
  version: number;
  sha256: string;
  config: DeployConfig;
  updatedAt: string;
  runnable: RunnableFunction;
}

/** What fired an invocation; stored with it. */
export type InvocationOrigin = 'api' | 'http' | 'queue' | 'storage' | 'schedule';

export class FunctionHost {
  private active = new Map<string, DeployedFunction>();
  private inFlight = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly didChangeFunctions = new Emitter<readonly DeployedFunction[]>();
  private readonly didLog = new Emitter<LogLine>();
  /** Invocations finishing close together share one commit; each answers only once its record is committed. */
  private readonly records: GroupCommit<RecordedInvocation> = new GroupCommit<RecordedInvocation>({
    commit: (items) => this.store.recordInvocations(items),
    stillRunning: (): number => this.inFlight - this.records.size,
    maxBatch: 64,
    maxTurns: 16,
  });
  /** Fires with every active function after a deploy, rollback or delete (and once at start). */
  readonly onDidChangeFunctions = this.didChangeFunctions.event;
  /** Every log line of every invocation, live, REPORT lines included. */
  readonly onDidLog = this.didLog.event;

  constructor(
    private readonly executor: Executor,
    private readonly store: MetadataStore,
    private readonly bundles: BundleStore,
    private readonly logger: Logger,
  ) {}

  functions(): DeployedFunction[] {
    return [...this.active.values()];
  }

  get(name: string): DeployedFunction | undefined {
    return this.active.get(name);
  }

  /** Re-reads the active versions from the store; warm instances of functions whose version changed are stopped. */
  async refresh(): Promise<void> {
    const next = new Map<string, DeployedFunction>();
    for (const stored of this.store.activeFunctions()) {
      const previous = this.active.get(stored.name);
      next.set(
        stored.name,
        previous && previous.version === stored.version ? previous : { ...stored, runnable: this.runnable(stored.config, stored.sha256) },
      );
    }
    const changed = [...new Set([...this.active.keys(), ...next.keys()])].filter(
      (name) => this.active.get(name)?.version !== next.get(name)?.version,
    );
    this.active = next;
    await Promise.all(changed.map((name) => this.executor.invalidate(name)));
    this.didChangeFunctions.fire(this.functions());
  }

  /**
   * Invokes the active version. Rejects with NOT_FOUND when the function is not deployed and with INSTANCE_LIMIT
   * when it is saturated; a function that throws or times out resolves with `error` set.
   */
  async invoke(name: string, event: unknown, origin: InvocationOrigin): Promise<InvokeResponse> {
    const deployed = this.active.get(name);
    if (!deployed) throw notDeployed(name);
    this.inFlight += 1;
    try {
      const startedAt = new Date().toISOString();
      const result = withProjectPaths(
        await this.executor.invoke(deployed.runnable, event, {
          requestId: randomUUID(),
          onLog: (line) => this.didLog.fire(line),
        }),
        dirname(deployed.runnable.handlerFile),
      );
      // As a cloud's log stream has it: whoever reads the logs of a queue, bucket or schedule invocation sees why it failed.
      const errorLine = result.error ? this.logLine(name, result.requestId, 'error', errorMessageOf(result.error)) : undefined;
      if (errorLine) this.didLog.fire(errorLine);
      const reportLine = this.logLine(name, result.requestId, 'info', formatReport(result.report));
      this.didLog.fire(reportLine);
      await this.record(deployed, result, errorLine ? [...result.logs, errorLine] : result.logs, origin, startedAt, reportLine.time);
      return {
        requestId: result.requestId,
        functionName: name,
        version: deployed.version,
        ...(result.error ? { error: result.error } : { result: result.result }),
        logs: result.logs,
        report: result.report,
        coldStart: result.coldStart,
      };
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Resolves once no invocation is running. */
  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  dispose(): void {
    this.didChangeFunctions.dispose();
    this.didLog.dispose();
  }

  private logLine(functionName: string, requestId: string, level: LogLine['level'], message: string): LogLine {
    return { time: new Date().toISOString(), level, requestId, functionName, message };
  }

  private async record(
    deployed: DeployedFunction,
    result: InvocationResult,
    lines: LogLine[],
    origin: InvocationOrigin,
    startedAt: string,
    reportedAt: string,
  ): Promise<void> {
    try {
      await this.records.add({
        record: {
          requestId: result.requestId,
          functionName: deployed.name,
          version: deployed.version,
          trigger: origin,
          failed: result.error !== undefined,
          durationMs: result.report.durationMs,
          billedMs: result.report.billedMs,
          memoryMB: result.report.memorySizeMB,
          maxMemoryUsedMB: result.report.maxMemoryUsedMB,
          initDurationMs: result.report.initDurationMs,
          coldStart: result.coldStart,
          costUsd: result.report.costUsd,
          startedAt,
          reportedAt,
        },
        lines,
      });
    } catch (error) {
      // The function ran; losing its record is reported rather than turning the invocation into an error.
      this.logger.error('could not store an invocation', { requestId: result.requestId, error: String(error) });
    }
  }

  private runnable(config: DeployConfig, sha256: string): RunnableFunction {
    const bundleFile = join(this.bundles.folder(sha256), 'index.js');
    return {
      name: config.name,
      handler: config.handler,
      handlerFile: bundleFile,
      handlerExport: config.handlerExport,
      runtime: config.runtime,
      memory: config.memory,
      timeout: config.timeout,
      env: config.env,
      concurrency: config.concurrency,
      instanceConcurrency: config.instanceConcurrency ?? 1,
      network: config.network,
      triggers: config.triggers,
      ...(config.description === undefined ? {} : { description: config.description }),
      prebuiltBundle: bundleFile,
    };
  }
}

/**
 * An error's stack with the project's paths (`src/orders.ts:4:9`) where the instance saw the bundle's folder in the
 * data dir: the source map resolves against where the bundle is stored, which says nothing to whoever reads it.
 */
function withProjectPaths(result: InvocationResult, bundleFolder: string): InvocationResult {
  const stack = result.error?.stack;
  if (!Array.isArray(stack)) return result;
  const prefix = bundleFolder + sep;
  return { ...result, error: { ...result.error!, stack: stack.map((line) => (typeof line === 'string' ? line.split(prefix).join('') : line)) } };
}

/** Lambda's line for a failed invocation: "Task timed out after …" as it is, anything else as `Invoke Error {json}`. */
function errorMessageOf(error: FunctionErrorPayload): string {
  return isTimeout(error) ? error.errorMessage : `Invoke Error ${JSON.stringify(error)}`;
}

export function notDeployed(name: string): NimbusError {
  return new NimbusError('NOT_FOUND', `function ${name} is not deployed; deploy it with \`nimbus deploy ${name}\``);
}
