// Client layer: the typed client of the companion backend's API (DESIGN §6) — plain Node (global fetch + ws), used by
// the CLI and the extension. Timeouts on every call, retries on idempotent ones, errors that say what to do.

import type WebSocket from 'ws';
import { NimbusError, type ErrorCode } from '../shared/errors';
import type { IDisposable } from '../shared/disposable';
import type { LogLine } from '../shared/invocation';
import {
  sha256Header,
  type DeadLetter,
  type DeployResponse,
  type EnqueueResponse,
  type ErrorBody,
  type FunctionDetail,
  type FunctionMetrics,
  type FunctionSummary,
  type InvokeResponse,
  type LogsPage,
  type ObjectInfo,
} from '../shared/backendApi';

export const defaultBackendUrl = 'http://127.0.0.1:7700';

export interface BackendClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7700. */
  url: string;
  token?: string;
  /** Per attempt; default 30 s (invocations get the function's own time on top, see invoke). */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls when the backend is unreachable or answers 502/503/504; default 2. */
  retries?: number;
}

interface RequestOptions {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface LogTail extends IDisposable {
  /** Resolves once the stream is open (the backend accepted the token). */
  readonly opened: Promise<void>;
  /** Resolves when the stream ends, rejects when it fails. */
  readonly closed: Promise<void>;
}

export class BackendClient {
  readonly url: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(options: BackendClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 2;
  }

  async health(): Promise<{ status: string }> {
    return this.json({ method: 'GET', path: '/healthz' });
  }

  /** Uploads a deploy artifact (see packageFunction); 201 for a new version, `unchanged` when identical. */
  async deploy(name: string, tarball: Buffer, sha256: string): Promise<DeployResponse> {
    return this.json({
      method: 'PUT',
      path: `/api/v1/functions/${encodeURIComponent(name)}`,
      body: tarball,
      contentType: 'application/gzip',
      headers: { [sha256Header]: sha256 },
    });
  }

  async listFunctions(): Promise<FunctionSummary[]> {
    return this.json({ method: 'GET', path: '/api/v1/functions' });
  }

  async getFunction(name: string): Promise<FunctionDetail> {
    return this.json({ method: 'GET', path: `/api/v1/functions/${encodeURIComponent(name)}` });
  }

  async deleteFunction(name: string): Promise<void> {
    await this.request({ method: 'DELETE', path: `/api/v1/functions/${encodeURIComponent(name)}` });
  }

  /** Activates an earlier version (without one: the version before the active one); returns the active version. */
  async rollback(name: string, version?: number): Promise<{ name: string; version: number }> {
    return this.json({
      method: 'POST',
      path: `/api/v1/functions/${encodeURIComponent(name)}/rollback`,
      body: JSON.stringify(version === undefined ? {} : { version }),
      contentType: 'application/json',
    });
  }

  /** Runs the function synchronously; a function that throws resolves with `error` set. */
  async invoke(name: string, event: unknown, options: { timeoutMs?: number } = {}): Promise<InvokeResponse> {
    return this.json({
      method: 'POST',
      path: `/api/v1/functions/${encodeURIComponent(name)}/invoke`,
      body: JSON.stringify(event ?? {}),
      contentType: 'application/json',
      // The function may run up to 900 s; the caller says how long it is willing to wait.
      timeoutMs: options.timeoutMs ?? Math.max(this.timeoutMs, 15 * 60_000),
    });
  }

  /** Stored lines after `since` (a previous page's `next`, or an ISO time), oldest first; `newest`: the last `limit`. */
  async logs(name: string, options: { since?: number | string; limit?: number; newest?: boolean } = {}): Promise<LogsPage> {
    const query = new URLSearchParams();
    if (options.newest) query.set('newest', 'true');
    if (options.since !== undefined) query.set('since', String(options.since));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const suffix = query.size > 0 ? `?${query}` : '';
    return this.json({ method: 'GET', path: `/api/v1/functions/${encodeURIComponent(name)}/logs${suffix}` });
  }

  async metrics(name: string): Promise<FunctionMetrics> {
    return this.json({ method: 'GET', path: `/api/v1/functions/${encodeURIComponent(name)}/metrics` });
  }

  /** Enqueues messages on a topic (strings as they are, other values as JSON). */
  async enqueue(topic: string, messages: unknown[]): Promise<EnqueueResponse> {
    return this.json({
      method: 'POST',
      path: `/api/v1/queues/${encodeURIComponent(topic)}/messages`,
      body: JSON.stringify({ messages }),
      contentType: 'application/json',
    });
  }

  async deadLetters(topic: string): Promise<DeadLetter[]> {
    return this.json({ method: 'GET', path: `/api/v1/queues/${encodeURIComponent(topic)}/dead-letters` });
  }

  async putObject(bucket: string, key: string, content: Buffer | string): Promise<ObjectInfo> {
    return this.json({
      method: 'PUT',
      path: `/api/v1/buckets/${encodeURIComponent(bucket)}/objects/${encodeKey(key)}`,
      body: content,
      contentType: 'application/octet-stream',
    });
  }

  async getObject(bucket: string, key: string): Promise<Buffer> {
    const response = await this.request({ method: 'GET', path: `/api/v1/buckets/${encodeURIComponent(bucket)}/objects/${encodeKey(key)}` });
    return Buffer.from(await response.arrayBuffer());
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.request({ method: 'DELETE', path: `/api/v1/buckets/${encodeURIComponent(bucket)}/objects/${encodeKey(key)}` });
  }

  /** Live log lines of one function (or all) over WebSocket, until disposed. */
  tailLogs(functionName: string | undefined, onLine: (line: LogLine) => void): LogTail {
    const url = new URL(this.url.replace(/^http/, 'ws') + '/api/v1/logs/stream');
    if (functionName) url.searchParams.set('function', functionName);
    // Required here, not imported at the top: loading ws costs the extension ~10 ms of activation, and few sessions tail.
    const WebSocketClass = require('ws') as typeof WebSocket;
    const socket = new WebSocketClass(url, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, handshakeTimeout: this.timeoutMs });
    let disposed = false;
    const opened = new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => {
        reject(response.statusCode === 401 ? this.unauthorized() : new NimbusError('BACKEND_ERROR', `the log stream was refused with HTTP ${response.statusCode}`));
        socket.terminate();
      });
      socket.once('error', (error) => reject(this.unreachable(error)));
    });
    // Errors after the first (a refused stream is terminated) have nowhere else to go.
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve, reject) => {
      socket.once('close', () => resolve());
      opened.catch(reject);
    });
    // Callers that only await `closed` would otherwise see an unhandled rejection from `opened`.
    opened.catch(() => undefined);
    socket.on('message', (data) => {
      if (disposed) return;
      try {
        onLine(JSON.parse(data.toString()) as LogLine);
      } catch {
        // A line that is not JSON is not ours to show.
      }
    });
    return {
      opened,
      closed,
      dispose: () => {
        disposed = true;
        socket.close();
      },
    };
  }

  private async json<T>(options: RequestOptions): Promise<T> {
    const response = await this.request(options);
    return (await response.json()) as T;
  }

  private async request(options: RequestOptions): Promise<Response> {
    const idempotent = options.method !== 'POST';
    const attempts = idempotent ? this.retries + 1 : 1;
    let lastError: NimbusError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 2)));
      let response: Response;
      try {
        response = await fetch(this.url + options.path, {
          method: options.method,
          headers: {
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
            ...(options.contentType ? { 'content-type': options.contentType } : {}),
            ...options.headers,
          },
          body: typeof options.body === 'string' || options.body === undefined ? options.body : new Uint8Array(options.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
        });
      } catch (error) {
        lastError = this.unreachable(error);
        // A certificate refused once is refused on every attempt.
        if (isUntrustedCertificate(error)) throw lastError;
        continue;
      }
      if (response.ok) return response;
      const failure = await this.failure(response, options);
      if (![502, 503, 504].includes(response.status)) throw failure;
      lastError = failure;
    }
    throw lastError!;
  }

  private async failure(response: Response, options: RequestOptions): Promise<NimbusError> {
    let code: ErrorCode = 'BACKEND_ERROR';
    let message = `the backend answered HTTP ${response.status}`;
    try {
      const body = (await response.json()) as Partial<ErrorBody>;
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
    } catch {
      // Not a JSON error (a proxy in between?): keep the status line.
    }
    const details = { status: response.status, retryAfter: response.headers.get('retry-after') ?? undefined };
    if (response.status === 401) return this.unauthorized();
    if (response.status === 404 && code !== 'NOT_FOUND') {
      // Not a Nimbus backend answering (a wrong URL or a proxy): say so rather than blaming the function.
      return new NimbusError('BACKEND_ERROR', `${this.url} has no ${options.method} ${options.path.split('?')[0]}; is --backend / NIMBUS_BACKEND the Nimbus backend?`, { details });
    }
    if (response.status === 429) {
      return new NimbusError(code === 'INSTANCE_LIMIT' ? code : 'RATE_LIMITED', `${message}; retry after ${details.retryAfter ?? 1} s`, { details });
    }
    return new NimbusError(code, message, { details });
  }

  /** A 401: the token sent was wrong, or none was sent (none given, and no token file of a local backend found). */
  private unauthorized(): NimbusError {
    if (this.token) {
      return new NimbusError('BACKEND_UNAUTHORIZED', 'the backend refused the token; set NIMBUS_TOKEN or pass --token (a local backend keeps its token in .nimbus/backend/token)');
    }
    return new NimbusError(
      'BACKEND_UNAUTHORIZED',
      `no token was sent to the backend at ${this.url}; pass --token TOKEN or set NIMBUS_TOKEN (a backend on this machine ` +
        'keeps its token in .nimbus/backend/token of the folder it was started in, read from there and the folders below it)',
    );
  }

  private unreachable(error: unknown): NimbusError {
    const socketError = socketErrorOf(error);
    if (isUntrustedCertificate(error)) {
      return new NimbusError(
        'BACKEND_UNREACHABLE',
        `the backend at ${this.url} presented a TLS certificate this machine does not accept (${String(socketError?.message)}); ` +
          'if a private CA signed it, trust that CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem, and check that the certificate names this host',
        { cause: error },
      );
    }
    if (this.url.startsWith('http:') && (socketError?.code === 'UND_ERR_SOCKET' || socketError?.code === 'ECONNRESET')) {
      return new NimbusError(
        'BACKEND_UNREACHABLE',
        `the backend at ${this.url} closed the connection without answering; if it serves HTTPS (--tls-cert), use ${this.url.replace(/^http:/, 'https:')}`,
        { cause: error },
      );
    }
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const reason = timedOut ? 'did not answer in time' : 'could not be reached';
    return new NimbusError(
      'BACKEND_UNREACHABLE',
      `the backend at ${this.url} ${reason}; is the backend running? start it with \`nimbus backend\` (or set NIMBUS_BACKEND / --backend)`,
      { cause: error },
    );
  }
}

/** The socket's own error: fetch puts it in `cause`, ws hands it over as it is. */
function socketErrorOf(error: unknown): { code?: unknown; message?: unknown } | undefined {
  return ((error as { cause?: unknown } | undefined)?.cause ?? error) as { code?: unknown; message?: unknown } | undefined;
}

/** Node's codes for a certificate chain or name the client refuses (self-signed, unknown issuer, expired, wrong host). */
function isUntrustedCertificate(error: unknown): boolean {
  const code = socketErrorOf(error)?.code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code);
}


/** Keys keep their `/` separators; each segment is percent-encoded. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
