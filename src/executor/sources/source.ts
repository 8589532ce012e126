// Executor layer: the one small shape every simulated event source has (miniflare-style), so adding a trigger type
// is adding one module that implements it and listing it in sources/index.ts.

import type { IDisposable } from '../../shared/disposable';
import type { InvocationResult } from '../../shared/invocation';
import type { Logger } from '../../shared/logger';
import type { FunctionSpec, Manifest, Trigger } from '../../shared/manifest/model';

/** Delays of the sources; tests shorten them, users never need to. */
export interface SourceTiming {
  /** A queue batch smaller than batchSize is delivered after this long. */
  batchWindowMs: number;
  /** First retry of a failed queue batch after this long, doubling per receive. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Quiet time after the last file system event of a path before it is looked at. */
  fileDebounceMs: number;
  /** A file counts as written once its size and mtime hold still for this long. */
  fileStableMs: number;
}

export const defaultSourceTiming: SourceTiming = {
  batchWindowMs: 100,
  retryBaseMs: 500,
  retryMaxMs: 20_000,
  fileDebounceMs: 50,
  fileStableMs: 100,
};

/** What a source gets from the gateway that runs it. */
export interface SourceHost {
  /** Folder of nimbus.yaml; sources keep their state under `.nimbus/` in it. */
  readonly root: string;
  readonly logger: Logger;
  readonly timing: SourceTiming;
  /**
   * Runs a function through the gateway's executor and streams its logs. `origin` says what fired it
   * (`GET /users/{id}`, `queue orders`) for the live output. Rejects only when the function could not be run at all.
   */
  invoke(fn: FunctionSpec, event: unknown, origin: string): Promise<InvocationResult>;
}

export interface TriggerBinding<T extends Trigger> {
  function: FunctionSpec;
  trigger: T;
  /** Position of the trigger among the function's triggers of the same type. */
  index: number;
}

/** One request to the control API under `/_nimbus/`. */
export interface ControlRequest {
  pathParameters: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
  /** The body parsed as JSON (`undefined` when empty); throws EVENT_INVALID when it is not JSON. */
  json(): unknown;
}

export interface ControlRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** Below `/_nimbus`, e.g. `/queues/{topic}/messages`. */
  path: string;
  /** Status of a successful reply (200 unless said otherwise). */
  status?: number;
  /** Returns the JSON reply; throws a NimbusError for a reply with an error status. */
  handle(request: ControlRequest): unknown;
}

export interface EventSource<T extends Trigger> extends IDisposable {
  readonly type: T['type'];
  /** Serves exactly these triggers from now on — called at start and after every manifest reload. */
  configure(bindings: readonly TriggerBinding<T>[], manifest: Manifest): Promise<void>;
  /** What this source adds to the control API. */
  controlRoutes(): ControlRoute[];
}

export interface EventSourceModule<T extends Trigger, S extends EventSource<T>> {
  readonly type: T['type'];
  create(host: SourceHost): S;
}

/** The triggers of one type across a manifest, in manifest order. */
export function bindingsOf<K extends Trigger['type']>(
  manifest: Manifest,
  type: K,
): TriggerBinding<Extract<Trigger, { type: K }>>[] {
  const bindings: TriggerBinding<Extract<Trigger, { type: K }>>[] = [];
  for (const fn of manifest.functions) {
    let index = 0;
    for (const trigger of fn.triggers) {
      if (trigger.type === type) bindings.push({ function: fn, trigger: trigger as Extract<Trigger, { type: K }>, index: index++ });
    }
  }
  return bindings;
}

/** Hands a source the triggers of its own type in a manifest. */
export function configureFrom<T extends Trigger>(source: EventSource<T>, manifest: Manifest): Promise<void> {
  return source.configure(bindingsOf(manifest, source.type) as unknown as TriggerBinding<T>[], manifest);
}
