// Executor layer: the IPC messages between the executor (parent) and the harness inside an instance (child),
// declared once for both sides. Types, and one name, so the harness bundle pays nothing for it.

import type { ConsoleLevel, FunctionErrorPayload } from '../shared/invocation';

/** What the harness needs to load a function. Sent once, first, by the parent. */
export interface HarnessConfig {
  /** Absolute path of the CommonJS bundle; its `module.exports` is the handler module. */
  bundleFile: string;
  handlerExport: string;
  functionName: string;
  functionVersion: string;
  memoryMB: number;
  /** How many invocations the harness runs at once (1 unless the function's instanceConcurrency says more). */
  concurrency: number;
  logGroupName: string;
  logStreamName: string;
  /** Whether the function may reach the network; network failures are reported as sandbox denials otherwise. */
  network: boolean;
  /** Debug instances open the inspector here (0: any free port) and wait for a debugger before loading. */
  inspectorPort?: number;
}

/** Parent → harness. */
export type ParentMessage =
  | { type: 'init'; config: HarnessConfig }
  /** `deadline` is epoch milliseconds; the harness runs up to `config.concurrency` invocations at once and queues the rest. */
  | { type: 'invoke'; requestId: string; event: unknown; deadline: number }
  /** The deadline moved (a debugger paused the instance; paused time does not count). */
  | { type: 'deadline'; requestId: string; deadline: number };

/** Harness → parent. */
export type HarnessMessage =
  /** Debug instances only: the inspector is open and the harness now waits for a debugger. */
  | { type: 'inspector'; url: string }
  /** The bundle is loaded and the handler found; `loadDurationMs` is the time spent loading it, `maxMemoryUsedMB` the peak resident memory so far. */
  | { type: 'ready'; loadDurationMs: number; maxMemoryUsedMB: number }
  /**
   * The function could not be loaded: its module threw, or it has no handler export (`missingExport`: the module's
   * exports, and what the export of the handler's name is instead of a function, e.g. 'a number', if there is one).
   */
  | { type: 'initError'; error: FunctionErrorPayload; missingExport?: { available: string[]; found?: string } }
  /** A console line; `requestId` is absent for lines written while loading. */
  | { type: 'log'; requestId?: string; level: ConsoleLevel; message: string; time: string }
  /**
   * The end of an invocation. `fatal` means the instance must not be reused (an uncaught exception, an unhandled
   * rejection or process.exit inside the handler).
   */
  | {
      type: 'result';
      requestId: string;
      result?: unknown;
      error?: FunctionErrorPayload;
      durationMs: number;
      maxMemoryUsedMB: number;
      fatal?: boolean;
    };

/**
 * Debug instances: the key (for Symbol.for) of the function the harness installs on globalThis to move its running
 * invocations' deadlines by a time spent paused; the debug adapter calls it in the paused isolate.
 */
export const pausedTimeHookKey = 'nimbus.harness.excludePausedTime';
