// Shared layer: the in-memory model of nimbus.yaml (DESIGN §2) after parsing, defaults and validation.

/** A place in a file: 1-based line and column, as editors and error messages show them. */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY';

export interface HttpTrigger {
  type: 'http';
  method: HttpMethod;
  /** Route with `{param}` segments and an optional trailing `{proxy+}`, always starting with '/'. */
  path: string;
  /** 'none' (public, default) or 'token' (the backend requires its bearer token). */
  auth: 'none' | 'token';
  range?: SourceRange;
}

export type StorageEventName = 'created' | 'deleted';

export interface StorageTrigger {
  type: 'storage';
  bucket: string;
  events: StorageEventName[];
  prefix?: string;
  suffix?: string;
  range?: SourceRange;
}

export interface QueueTrigger {
  type: 'queue';
  topic: string;
  batchSize: number;
  maxRetries: number;
  range?: SourceRange;
}

export interface ScheduleTrigger {
  type: 'schedule';
  cron: string;
  /** IANA time zone the cron is read in; UTC when absent. */
  timezone?: string;
  range?: SourceRange;
}

export type Trigger = HttpTrigger | StorageTrigger | QueueTrigger | ScheduleTrigger;
export type TriggerType = Trigger['type'];
export const triggerTypes: readonly TriggerType[] = ['http', 'storage', 'queue', 'schedule'];

export interface FunctionDefaults {
  runtime: string;
  memory: number;
  timeout: number;
  concurrency: number;
  instanceConcurrency: number;
}

export interface FunctionSpec {
  name: string;
  /** As written in the manifest, e.g. `src/thumbnail.handler`. */
  handler: string;
  /** Absolute path of the handler's source file (resolved against the manifest's folder and extensions). */
  handlerFile: string;
  /** The export to call, e.g. `handler` (or `default`/`fetch` for web-standard functions). */
  handlerExport: string;
  runtime: string;
  /** MB. */
  memory: number;
  /** Seconds. */
  timeout: number;
  env: Record<string, string>;
  /** Most instances at once (the autoscaling ceiling). */
  concurrency: number;
  /** Invocations one instance serves at once: 1 (the default) as Lambda; more as Cloud Run or Azure Functions. */
  instanceConcurrency: number;
  /** Whether the sandbox lets the function reach the network (manifest `network: true`); default false. */
  network: boolean;
  triggers: Trigger[];
  /** What the function does (manifest `description`), shown in views and on the backend. */
  description?: string;
  /** Where the function's key sits in nimbus.yaml. */
  range?: SourceRange;
  /** Where the `handler:` value sits in nimbus.yaml (for diagnostics and go-to-definition). */
  handlerRange?: SourceRange;
}

export interface Manifest {
  /** Absolute path of nimbus.yaml. */
  path: string;
  /** Absolute folder that holds nimbus.yaml; handler paths are relative to it. */
  root: string;
  service: string;
  defaults: FunctionDefaults;
  functions: FunctionSpec[];
}

export const builtinDefaults: FunctionDefaults = { runtime: 'node20', memory: 256, timeout: 10, concurrency: 10, instanceConcurrency: 1 };

export const limits = {
  memory: { min: 64, max: 10240 },
  timeout: { min: 1, max: 900 },
  concurrency: { min: 1, max: 1000 },
  instanceConcurrency: { min: 1, max: 1000 },
  batchSize: { min: 1, max: 10000 },
  maxRetries: { min: 0, max: 100 },
} as const;

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/** One problem in a manifest, with the exact range so an editor can underline it. */
export interface ManifestDiagnostic {
  file: string;
  range: SourceRange;
  severity: DiagnosticSeverity;
  /** Stable id of the kind of problem, e.g. 'schema', 'handler-file', 'handler-export', 'cron', 'duplicate-route'. */
  code: string;
  message: string;
  /** Set when the problem is one function's own (its handler): the others can still run. */
  functionName?: string;
}

export function formatDiagnostic(diagnostic: ManifestDiagnostic): string {
  const { file, range, message } = diagnostic;
  return `${file}:${range.start.line}:${range.start.column}: ${message}`;
}
