// Executor layer: one instance = one child process running the harness with one function loaded, serving one
// invocation at a time or, with the function's instanceConcurrency, several. Owns the limits a cloud enforces
// (timeout per invocation, memory per instance) and turns every way the child can die into invocation errors.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Emitter, type Event } from '../shared/disposable';
import { NimbusError } from '../shared/errors';
import {
  billedDuration,
  defaultPriceModel,
  estimateCost,
  type FunctionErrorPayload,
  type InvocationResult,
  type LogLine,
  type PriceModel,
  timeoutErrorType,
} from '../shared/invocation';
import type { Logger } from '../shared/logger';
import type { BundleInfo, RunnableFunction, SandboxLevel } from './api';
import { createInstanceTmpDir, findFunctionRoot } from './paths';
import { BatchedChannel } from './channel';
import type { HarnessMessage, ParentMessage } from './protocol';
import { planSpawn, type NodeRuntime } from './sandbox';

export interface InstanceOptions {
  fn: RunnableFunction;
  bundle: BundleInfo;
  harnessFile: string;
  sandbox: SandboxLevel;
  bubblewrap?: string;
  node: NodeRuntime;
  logger: Logger;
  prices?: PriceModel;
  /** Every log line of this instance, live (the executor's onLog). */
  onLog?: (line: LogLine) => void;
  /** Set for debug instances: open the inspector on this port (0: any) and wait for a debugger before loading. */
  inspectorPort?: number;
}

export interface InstanceInvokeOptions {
  requestId: string;
  onLog?: (line: LogLine) => void;
}

export interface InstanceExit {
  code: number | null;
  signal: string | null;
}

interface ActiveInvocation {
  requestId: string;
  logs: LogLine[];
  onLog?: (line: LogLine) => void;
  startedAt: number;
  /** Time left before the timeout, as of `armedAt` (the clock stops while a debugger pauses the instance). */
  remainingMs: number;
  armedAt: number;
  timer?: NodeJS.Timeout;
  peakMemoryMB: number;
  /** Time spent paused in a debugger, and since when it is paused now: neither is run time nor billed. */
  pausedMs: number;
  pausedAt?: number;
  finish(outcome: Outcome): void;
}

interface Outcome {
  result?: unknown;
  error?: FunctionErrorPayload;
  durationMs: number;
  maxMemoryUsedMB: number;
}

interface InitFailure {
  error: FunctionErrorPayload;
  /** Set when the handler export is missing or not a function. */
  missingExport?: { available: string[]; found?: string };
}

/** How often the parent samples the instance's resident memory while an invocation runs. */
const memoryPollMs = 25;
const stderrTailBytes = 4096;
let instanceCounter = 0;

export class Instance {
  readonly functionName: string;
  readonly bundle: BundleInfo;
  /** When the instance was asked to start (for Init Duration). */
  private readonly spawnedAt = performance.now();
  private readonly child: ChildProcess;
  private readonly tmpDir: string;
  private readonly exitEmitter = new Emitter<InstanceExit>();
  readonly onDidExit: Event<InstanceExit> = this.exitEmitter.event;
  /** Settles when the handler is loaded: undefined, or why it could not be. */
  readonly ready: Promise<InitFailure | undefined>;
  /** Debug instances: the inspector's WebSocket URL, once open. */
  readonly inspectorUrl: Promise<string>;
  readonly exited: Promise<InstanceExit>;
  private initDurationMs: number | undefined;
  private initLogs: LogLine[] = [];
  private served = 0;
  /** How many invocations may run at once: the function's instanceConcurrency (1 for debug instances). */
  readonly capacity: number;
  private readonly active = new Map<string, ActiveInvocation>();
  /** The process's peak resident memory as the harness last reported it (at load, then with each result). */
  private knownMemoryMB = 0;
  /** Samples the resident memory while any invocation runs. */
  private memoryWatch: NodeJS.Timeout | undefined;
  private paused = false;
  private stderrTail = '';
  private runtimePid: number | undefined;
  private killedFor: FunctionErrorPayload | undefined;
  private isExited = false;
  private readonly channel = new BatchedChannel<ParentMessage>(
    (batch, callback) => {
      if (!this.child.connected) {
        process.nextTick(callback);
        return true;
      }
      return this.child.send(batch, callback);
    },
    (message) => this.sendable(message),
  );

  constructor(private readonly options: InstanceOptions) {
    const { fn } = options;
    this.functionName = fn.name;
    this.capacity = options.inspectorPort === undefined ? fn.instanceConcurrency : 1;
    this.bundle = options.bundle;
    this.tmpDir = createInstanceTmpDir();
    const plan = planSpawn({
      level: options.sandbox,
      fn,
      harnessFile: options.harnessFile,
      bundleFile: options.bundle.file,
      functionRoot: findFunctionRoot(fn),
      tmpDir: this.tmpDir,
      bubblewrap: options.bubblewrap,
      node: options.node,
      debug: options.inspectorPort !== undefined,
    });
    this.child = spawn(plan.command, plan.args, { env: plan.env, cwd: plan.cwd, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-stderrTailBytes);
    });

    let resolveReady!: (failure: InitFailure | undefined) => void;
    this.ready = new Promise((resolve) => (resolveReady = resolve));
    let resolveInspector!: (url: string) => void;
    let rejectInspector!: (error: Error) => void;
    this.inspectorUrl = new Promise((resolve, reject) => {
      resolveInspector = resolve;
      rejectInspector = reject;
    });
    // Only debug instances ever await this; keep a failure from becoming an unhandled rejection elsewhere.
    this.inspectorUrl.catch(() => undefined);

    const receive = (message: HarnessMessage) => {
      switch (message.type) {
        case 'inspector':
          resolveInspector(message.url);
          break;
        case 'ready':
          this.initDurationMs = options.inspectorPort === undefined ? performance.now() - this.spawnedAt : message.loadDurationMs;
          this.knownMemoryMB = message.maxMemoryUsedMB;
          resolveReady(undefined);
          break;
        case 'initError':
          resolveReady({ error: message.error, missingExport: message.missingExport });
          break;
        case 'log':
          this.routeLog(message);
          break;
        case 'result': {
          const active = this.active.get(message.requestId);
          if (!active) break;
          // Invocations still running on a fatally failed instance end with the same error (the harness sends it
          // for each, but the exit may be seen first).
          if (message.fatal) this.kill(message.error);
          this.knownMemoryMB = Math.max(this.knownMemoryMB, message.maxMemoryUsedMB);
          active.finish({
            result: message.result,
            error: message.error,
            durationMs: message.durationMs,
            maxMemoryUsedMB: Math.max(message.maxMemoryUsedMB, active.peakMemoryMB),
          });
          break;
        }
      }
    };
    this.child.on('message', (batch: HarnessMessage[]) => {
      for (const message of batch) receive(message);
    });

    this.exited = new Promise((resolve) => {
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.isExited) return;
        this.isExited = true;
        const exit = { code, signal };
        const crash = this.killedFor ?? this.crashError(exit);
        resolveReady({ error: crash });
        rejectInspector(new NimbusError('DEBUG_ATTACH_FAILED', `The debug instance exited before opening its inspector: ${crash.errorMessage}`));
        for (const active of [...this.active.values()]) {
          if (this.stderrTail.trim()) this.emitLog(active, this.logLine(active.requestId, 'error', this.stderrTail.trim()));
          active.finish({ error: crash, durationMs: performance.now() - active.startedAt, maxMemoryUsedMB: active.peakMemoryMB });
        }
        void rm(this.tmpDir, { recursive: true, force: true }).finally(() => {
          this.exitEmitter.fire(exit);
          this.exitEmitter.dispose();
          resolve(exit);
        });
      };
      this.child.on('exit', onExit);
      this.child.on('error', (error) => {
        this.stderrTail += `\n${error.message}`;
        onExit(null, null);
      });
    });

    const message: ParentMessage = {
      type: 'init',
      config: {
        bundleFile: options.bundle.file,
        handlerExport: fn.handlerExport,
        functionName: fn.name,
        functionVersion: '$LATEST',
        memoryMB: fn.memory,
        concurrency: this.capacity,
        logGroupName: `/aws/lambda/${fn.name}`,
        logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${process.pid}-${++instanceCounter}`,
        network: fn.network,
        inspectorPort: options.inspectorPort,
      },
    };
    this.send(message);
  }

  get isAlive(): boolean {
    return !this.isExited && !this.killedFor && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Idle instances must not keep the host process (a CLI, a test run) alive; busy ones must. */
  setReferenced(referenced: boolean): void {
    const handles = [this.child, this.child.channel, this.child.stderr] as ({ ref(): void; unref(): void } | null | undefined)[];
    for (const handle of handles) {
      if (referenced) handle?.ref();
      else handle?.unref();
    }
  }

  /** Runs one invocation; the caller (pool or debug session) never runs more than `capacity` at once. */
  async invoke(event: unknown, options: InstanceInvokeOptions): Promise<InvocationResult> {
    if (this.active.size >= this.capacity) throw new NimbusError('INTERNAL', `Instance of '${this.functionName}' is busy.`, { user: false });
    const coldStart = this.served === 0;
    this.served++;
    this.setReferenced(true);
    const failure = await this.ready;
    if (failure) return this.initFailed(failure, options, coldStart);
    const { fn } = this.options;
    const startedAt = performance.now();
    let finish!: (outcome: Outcome) => void;
    const finished = new Promise<Outcome>((resolve) => (finish = resolve));
    const active: ActiveInvocation = {
      requestId: options.requestId,
      logs: [],
      onLog: options.onLog,
      startedAt,
      remainingMs: fn.timeout * 1000,
      armedAt: startedAt,
      // The peak so far is a floor: an invocation that crashes before the first sample still used at least that.
      peakMemoryMB: this.knownMemoryMB,
      pausedMs: 0,
      ...(this.paused ? { pausedAt: startedAt } : {}),
      finish: (outcome) => {
        if (this.active.get(active.requestId) !== active) return;
        this.active.delete(active.requestId);
        clearTimeout(active.timer);
        if (this.active.size === 0) {
          clearInterval(this.memoryWatch);
          this.memoryWatch = undefined;
        }
        finish(outcome);
      },
    };
    this.active.set(active.requestId, active);
    for (const line of this.initLogs) this.emitLog(active, { ...line, requestId: active.requestId });
    this.initLogs = [];
    if (!this.paused) this.armTimeout(active);
    this.memoryWatch ??= setInterval(() => this.watchMemory(), memoryPollMs);
    this.send({ type: 'invoke', requestId: active.requestId, event, deadline: Date.now() + active.remainingMs });
    const outcome = await finished;
    if (this.isAlive && this.active.size === 0) this.setReferenced(false);
    const pausedMs = active.pausedMs + (active.pausedAt === undefined ? 0 : performance.now() - active.pausedAt);
    const ran = { ...outcome, durationMs: Math.max(0, outcome.durationMs - pausedMs) };
    return this.toResult(options.requestId, ran, active.logs, coldStart);
  }

  /** Stops or restarts the timeout clock (a debugger paused or resumed the instance). */
  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    for (const active of this.active.values()) {
      if (paused) {
        clearTimeout(active.timer);
        active.remainingMs -= performance.now() - active.armedAt;
        active.pausedAt = performance.now();
      } else {
        if (active.pausedAt !== undefined) active.pausedMs += performance.now() - active.pausedAt;
        active.pausedAt = undefined;
        this.armTimeout(active);
        this.send({ type: 'deadline', requestId: active.requestId, deadline: Date.now() + active.remainingMs });
      }
    }
  }

  /** Kills the child (if alive) and resolves once it is gone and its tmp dir removed. */
  async dispose(): Promise<void> {
    // Hold the host process open until the child is really gone: idle instances are unreferenced.
    if (!this.isExited) this.setReferenced(true);
    this.kill();
    await this.exited;
  }

  private kill(reason?: FunctionErrorPayload): void {
    if (this.isExited) return;
    this.killedFor ??= reason ?? { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: the instance was stopped' };
    // --die-with-parent takes bubblewrap's inner processes down with it.
    this.child.kill('SIGKILL');
  }

  /** The node process: the child itself, or under bubblewrap its deepest descendant (final once the harness is up). */
  private findRuntimePid(): number | undefined {
    if (this.runtimePid !== undefined) return this.runtimePid;
    if (!(this.options.sandbox === 'strict' && this.options.bubblewrap)) return (this.runtimePid = this.child.pid);
    try {
      const pid = deepestDescendant(this.child.pid!);
      if (this.initDurationMs !== undefined) this.runtimePid = pid;
      return pid;
    } catch {
      return undefined;
    }
  }

  private send(message: ParentMessage): void {
    this.channel.send(message);
  }

  /**
   * The message, or undefined (its invocation failed, saying why) for an invoke whose event JSON cannot carry. Only an
   * event can fail to serialize: an API caller's BigInt or cycle (events from HTTP, files and queues are parsed JSON).
   */
  private sendable(message: ParentMessage): ParentMessage | undefined {
    if (message.type !== 'invoke') return message;
    try {
      JSON.stringify(message.event);
      return message;
    } catch (error) {
      const errorMessage = `the event cannot be sent to the function as JSON: ${error instanceof Error ? error.message : String(error)}`;
      this.active.get(message.requestId)?.finish({ error: { errorType: 'TypeError', errorMessage }, durationMs: 0, maxMemoryUsedMB: 0 });
      return undefined;
    }
  }

  private armTimeout(active: ActiveInvocation): void {
    active.armedAt = performance.now();
    const seconds = this.options.fn.timeout.toFixed(2);
    active.timer = setTimeout(() => {
      const error = { errorType: timeoutErrorType, errorMessage: `Task timed out after ${seconds} seconds` };
      active.finish({ error, durationMs: this.options.fn.timeout * 1000, maxMemoryUsedMB: active.peakMemoryMB });
      // Stopping the instance is the only way to stop the handler; whatever else runs on it ends too, and says why.
      this.kill({
        errorType: 'Runtime.ExitError',
        errorMessage: `Runtime exited with error: the instance was stopped because invocation ${active.requestId} on it timed out`,
      });
    }, Math.max(0, active.remainingMs));
  }

  /** The memory limit is the instance's: invocations sharing it all end when it is exceeded. */
  private watchMemory(): void {
    const usedMB = this.residentMemoryMB();
    if (usedMB === undefined) return;
    const over = usedMB > this.options.fn.memory;
    const error = outOfMemory(this.options.fn.memory);
    for (const active of [...this.active.values()]) {
      active.peakMemoryMB = Math.max(active.peakMemoryMB, usedMB);
      if (over) active.finish({ error, durationMs: performance.now() - active.startedAt, maxMemoryUsedMB: usedMB });
    }
    if (over) this.kill(error);
  }

  /** RSS of the node process — under bubblewrap that is the deepest descendant of the spawned bwrap. */
  private residentMemoryMB(): number | undefined {
    const runtimePid = this.findRuntimePid();
    if (runtimePid === undefined) return undefined;
    try {
      const residentPages = Number(readFileSync(`/proc/${runtimePid}/statm`, 'utf8').split(' ')[1]);
      return (residentPages * 4096) / (1024 * 1024);
    } catch {
      return undefined;
    }
  }

  private crashError(exit: InstanceExit): FunctionErrorPayload {
    if (/heap out of memory|Reached heap limit|Allocation failed/i.test(this.stderrTail)) return outOfMemory(this.options.fn.memory);
    const status = exit.signal ? `signal: ${exit.signal}` : `exit status ${exit.code}`;
    return { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${status}` };
  }

  private routeLog(message: Extract<HarnessMessage, { type: 'log' }>): void {
    // A line the harness could not place (no async context) belongs to the only invocation running, if there is one.
    const active = message.requestId === undefined ? (this.active.size === 1 ? this.active.values().next().value : undefined) : this.active.get(message.requestId);
    if (active) {
      this.emitLog(active, this.logLine(active.requestId, message.level, message.message, message.time));
    } else if (message.requestId === undefined && this.initDurationMs === undefined) {
      // Written while loading: it belongs to the first invocation (the cold start), as in a cloud's log stream.
      this.initLogs.push(this.logLine('', message.level, message.message, message.time));
    } else {
      this.options.onLog?.(this.logLine(message.requestId ?? '', message.level, message.message, message.time));
    }
  }

  private emitLog(active: ActiveInvocation, line: LogLine): void {
    active.logs.push(line);
    active.onLog?.(line);
    this.options.onLog?.(line);
  }

  private logLine(requestId: string, level: LogLine['level'], message: string, time = new Date().toISOString()): LogLine {
    return { time, level, requestId, functionName: this.functionName, message };
  }

  private initFailed(failure: InitFailure, options: InstanceInvokeOptions, coldStart: boolean): InvocationResult {
    const { fn } = this.options;
    this.kill(failure.error);
    if (failure.missingExport) {
      const file = fn.prebuiltBundle ?? fn.handlerFile;
      const { available, found } = failure.missingExport;
      const problem = found
        ? `export '${fn.handlerExport}' of ${file} is ${found}, not a function`
        : `${file} has no export '${fn.handlerExport}' (it exports: ${available.length ? available.join(', ') : 'nothing'})`;
      throw new NimbusError('HANDLER_NOT_FOUND', `${problem}: fix \`handler\` of '${fn.name}' in nimbus.yaml.`);
    }
    const logs = this.initLogs.map((line) => ({ ...line, requestId: options.requestId }));
    this.initLogs = [];
    if (this.stderrTail.trim()) logs.push(this.logLine(options.requestId, 'error', this.stderrTail.trim()));
    for (const line of logs) {
      options.onLog?.(line);
      this.options.onLog?.(line);
    }
    const durationMs = performance.now() - this.spawnedAt;
    return this.toResult(options.requestId, { error: failure.error, durationMs, maxMemoryUsedMB: 0 }, logs, coldStart);
  }

  private toResult(requestId: string, outcome: Outcome, logs: LogLine[], coldStart: boolean): InvocationResult {
    const { fn } = this.options;
    const billedMs = billedDuration(outcome.durationMs);
    return {
      requestId,
      functionName: fn.name,
      ...(outcome.error ? { error: outcome.error } : { result: outcome.result }),
      logs,
      report: {
        requestId,
        durationMs: outcome.durationMs,
        billedMs,
        memorySizeMB: fn.memory,
        maxMemoryUsedMB: Math.round(outcome.maxMemoryUsedMB),
        ...(coldStart && this.initDurationMs !== undefined ? { initDurationMs: this.initDurationMs } : {}),
        costUsd: estimateCost(billedMs, fn.memory, this.options.prices ?? defaultPriceModel),
      },
      coldStart,
    };
  }
}

function outOfMemory(limitMB: number): FunctionErrorPayload {
  return { errorType: 'Runtime.OutOfMemory', errorMessage: `Runtime exited with error: out of memory (limit ${limitMB} MB)` };
}

function deepestDescendant(pid: number): number {
  for (;;) {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (!children) return pid;
    pid = Number(children.split(' ')[0]);
  }
}
