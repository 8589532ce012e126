// Shared layer: the companion backend's wire types (DESIGN §6) — declared once, used by src/backend (server side) and
// src/client (client side), and through the client by the CLI and the extension.

import type { ErrorCode } from './errors';
import type { FunctionErrorPayload, InvocationReport, LogLine } from './invocation';
import type { Trigger } from './manifest/model';

/** A trigger as stored in a deploy artifact: the manifest trigger without its editor range. */
export type DeployedTrigger = Trigger extends infer T ? (T extends Trigger ? Omit<T, 'range'> : never) : never;

/** `nimbus.json` inside a deploy artifact: the function's config, with no absolute paths. */
export interface DeployConfig {
  name: string;
  /** As written in the manifest, e.g. `src/thumbnail.handler` (for display only). */
  handler: string;
  /** The export of `bundle/index.js` to call. */
  handlerExport: string;
  runtime: string;
  memory: number;
  timeout: number;
  env: Record<string, string>;
  concurrency: number;
  /** Absent in artifacts of older clients: 1. */
  instanceConcurrency?: number;
  network: boolean;
  triggers: DeployedTrigger[];
  description?: string;
}

/** Paths inside the deploy artifact (a gzip'd tar). */
export const artifactPaths = {
  config: 'nimbus.json',
  bundle: 'bundle/index.js',
  sourceMap: 'bundle/index.js.map',
} as const;

/** Header the client sets on a deploy so the backend can check the upload arrived whole. */
export const sha256Header = 'x-nimbus-sha256';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** PUT /api/v1/functions/{name}: 201 for a new version, 200 when the content equals the active version. */
export interface DeployResponse {
  name: string;
  version: number;
  sha256: string;
  /** True when nothing changed (identical content re-deployed). */
  unchanged: boolean;
  /** Public URLs of the function's HTTP triggers. */
  urls: string[];
}

export interface VersionInfo {
  version: number;
  sha256: string;
  createdAt: string;
  active: boolean;
}

/** An element of GET /api/v1/functions. */
export interface FunctionSummary {
  name: string;
  version: number;
  runtime: string;
  memory: number;
  timeout: number;
  triggers: DeployedTrigger[];
  /** URL of the first HTTP trigger, when there is one. */
  url?: string;
  updatedAt: string;
}

/** GET /api/v1/functions/{name}. */
export interface FunctionDetail extends FunctionSummary {
  handler: string;
  concurrency: number;
  instanceConcurrency: number;
  env: Record<string, string>;
  urls: string[];
  versions: VersionInfo[];
}

/** POST /api/v1/functions/{name}/invoke. */
export interface InvokeResponse {
  requestId: string;
  functionName: string;
  version: number;
  result?: unknown;
  error?: FunctionErrorPayload;
  logs: LogLine[];
  report: InvocationReport;
  coldStart: boolean;
}

/** A stored log line; `sequence` orders lines and pages through them. */
export interface StoredLogLine extends LogLine {
  sequence: number;
}

/**
 * GET /api/v1/functions/{name}/logs?since=&limit=&newest= — pass `next` back as `since` for the following page;
 * `newest=true` gives the last `limit` lines.
 */
export interface LogsPage {
  lines: StoredLogLine[];
  next: number;
}

/** GET /api/v1/functions/{name}/metrics. */
export interface FunctionMetrics {
  name: string;
  invocations: number;
  errors: number;
  coldStarts: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  gbSeconds: number;
  estimatedCostUsd: number;
}

/** POST /api/v1/queues/{topic}/messages → 202. */
export interface EnqueueResponse {
  topic: string;
  messageIds: string[];
  /** Functions the messages will be delivered to. */
  subscribers: string[];
}

/** An element of GET /api/v1/queues/{topic}/dead-letters. */
export interface DeadLetter {
  messageId: string;
  topic: string;
  functionName: string;
  body: string;
  receiveCount: number;
  lastError: string;
  failedAt: string;
}

/** PUT /api/v1/buckets/{bucket}/objects/{key} → 201. */
export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  etag: string;
}

/** POST /api/v1/functions/{name}/rollback body; without a version, the one before the active version. */
export interface RollbackRequest {
  version?: number;
}
