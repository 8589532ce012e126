// Executor layer: the public surface of the local sandboxed executor. The CLI, the local gateway (`serve`), the
// debug adapter and the backend use only what this file declares.

import type { Event, IDisposable } from '../shared/disposable';
import type { InvocationResult, LogLine, PriceModel } from '../shared/invocation';
import type { Logger } from '../shared/logger';
import type { FunctionSpec } from '../shared/manifest/model';

/**
 * How strongly an instance is isolated.
 * - 'none': a plain child process with a scrubbed environment (for diagnosis only).
 * - 'node': plus Node's permission model (fs read only the function's folder and bundle, write only its tmp dir,
 *   no child processes, no workers). Not available while debugging: it turns the inspector off.
 * - 'strict' (default): 'node' plus, on Linux where `bwrap` exists, namespaces (no network unless the function asks
 *   for it, private /tmp, own pid namespace, read-only file system).
 */
export type SandboxLevel = 'none' | 'node' | 'strict';

export interface ExecutorOptions {
  /** Where bundles are cached, e.g. `<project>/.nimbus/cache`. */
  cacheDir: string;
  logger?: Logger;
  sandbox?: SandboxLevel;
  /** Idle time after which a warm instance is stopped (scale to zero). */
  idleTimeoutMs?: number;
  prices?: PriceModel;
  /** When every instance of a function is busy and at its concurrency: wait for one (default) or fail at once with INSTANCE_LIMIT. */
  whenSaturated?: 'queue' | 'reject';
  /**
   * With whenSaturated 'reject': how many invocations of one function may wait for a free instance before further
   * ones are refused (a short burst queue in front of the throttle). Default 0: refuse at once.
   */
  maxQueued?: number;
  /** Every log line of every invocation, live. */
  onLog?: (line: LogLine) => void;
  /**
   * The Node.js that runs instances. Default: this process's own, except inside Electron (desktop VS Code), where
   * `node` from PATH is used, or else Electron itself run as Node.
   */
  nodePath?: string;
  /**
   * Bundles a function for this executor's instances instead of its own bundler (cached in `cacheDir`): a process
   * that runs several executors lets them share one, so a build one of them started is not run twice.
   */
  bundle?: (fn: RunnableFunction) => Promise<BundleInfo>;
}

/** A function to run: its manifest spec, or a prebuilt bundle (as the backend stores deployed functions). */
export interface RunnableFunction extends FunctionSpec {
  /**
   * Absolute path of an already bundled CommonJS file (as `Executor.bundle()` writes it, with its `.map` beside it);
   * when set, the executor does not bundle. Its `module.exports` is the handler module: the executor calls its
   * `handlerExport` export, exactly as for a bundled `handlerFile`. The function may read the bundle's folder.
   */
  prebuiltBundle?: string;
}

export interface InvokeOptions {
  requestId?: string;
  /** This invocation's log lines, live (also in the result). */
  onLog?: (line: LogLine) => void;
}

export interface BundleInfo {
  /** Absolute path of the bundled CommonJS file the instance loads; its `module.exports` is the handler module. */
  file: string;
  /** Absolute path of its source map (sources are absolute paths or relative to the map's folder). */
  sourceMapFile: string;
  /** Source files that went into it (absolute). */
  inputs: string[];
}

export interface InstanceStats {
  functionName: string;
  instances: number;
  busy: number;
  queued: number;
}

export interface DebugInstanceOptions {
  /** Inspector port; 0 (default) picks a free one. */
  port?: number;
}

/**
 * An instance with its V8 inspector open on 127.0.0.1, waiting for a debugger before it loads the handler
 * (inspector.open + waitForDebugger in the harness, not a racy --inspect-brk).
 */
export interface DebugInstance extends IDisposable {
  readonly functionName: string;
  /** ws://127.0.0.1:<port>/<id> */
  readonly inspectorUrl: string;
  readonly bundle: BundleInfo;
  /** Resolves once a debugger has released the instance (Runtime.runIfWaitingForDebugger) and the handler is loaded. */
  readonly ready: Promise<void>;
  invoke(event: unknown, options?: InvokeOptions): Promise<InvocationResult>;
  /** While paused in a debugger, time does not count toward the function's timeout. */
  setPaused(paused: boolean): void;
  readonly onDidExit: Event<DebugInstanceExit>;
}

/** How a debug instance ended. */
export interface DebugInstanceExit {
  code: number | null;
  signal: string | null;
  /**
   * Set when an invocation ended it, as the end of a sentence: "the function called process.exit(3)". The code and
   * signal alone mislead: the executor kills the process (SIGKILL) once the function called process.exit, threw
   * uncaught or timed out.
   */
  reason?: string;
}

export interface Executor extends IDisposable {
  invoke(fn: RunnableFunction, event: unknown, options?: InvokeOptions): Promise<InvocationResult>;
  startDebugInstance(fn: RunnableFunction, options?: DebugInstanceOptions): Promise<DebugInstance>;
  /** Bundles (or returns the cached bundle of) a function; throws BUILD_FAILED with file:line of the first error. */
  bundle(fn: RunnableFunction): Promise<BundleInfo>;
  /** Stops warm instances of a function (or all) so the next invocation loads fresh code (hot reload). */
  invalidate(functionName?: string): Promise<void>;
  stats(): InstanceStats[];
  readonly onDidChangeInstances: Event<InstanceStats>;
}
