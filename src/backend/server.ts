// Backend layer: assembles the companion backend — store, bundles, executor, triggers, HTTP API and log stream — and
// owns its lifecycle: start, then a graceful stop (stop accepting, drain invocations, close the store).

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { listenFailure, NimbusError, toNimbusError, type ErrorCode } from '../shared/errors';
import { silentLogger, type Logger } from '../shared/logger';
import type { PriceModel } from '../shared/invocation';
import { createExecutor } from '../executor';
import type { Executor, InstanceStats, SandboxLevel } from '../executor/api';
import { registerApi } from './api';
import type { ArchiveLimits } from './archive';
import { TokenGuard } from './auth';
import { BundleStore } from './bundleStore';
import { DeployService } from './deployService';
import { FunctionHost } from './functionHost';
import { HttpGateway } from './httpGateway';
import { LogStream } from './logStream';
import { ObjectStore } from './objectStore';
import { HistoryRetention, type RetentionOptions } from './retention';
import { MetadataStore } from './store';
import { BucketNotifier } from './triggers/buckets';
import { QueueDispatcher, type QueueTiming } from './triggers/queues';
import { ScheduleRunner } from './triggers/schedules';

export interface BackendOptions {
  /** Where everything is kept; default `.nimbus/backend` in the current folder. */
  dataDir?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7700; 0 picks a free port. */
  port?: number;
  /** The accepted bearer token (NIMBUS_TOKEN); without it one is generated on first start. */
  token?: string;
  logger?: Logger;
  sandbox?: SandboxLevel;
  /** Idle time after which a warm instance stops (scale to zero). */
  idleTimeoutMs?: number;
  prices?: PriceModel;
  /** Largest deploy artifact accepted (compressed), bytes; default 50 MiB. */
  maxArtifactBytes?: number;
  archive?: Partial<ArchiveLimits>;
  /** Largest bucket object, bytes; default 50 MiB. */
  maxObjectBytes?: number;
  /** Largest JSON body (events, messages), bytes; default 6 MiB like Lambda's payload limit. */
  maxJsonBytes?: number;
  queue?: Partial<QueueTiming>;
  /** Invocations of one function that may wait for a busy instance before the next gets 429; default 64. */
  maxQueuedPerFunction?: number;
  /** How long invocation records and log lines are kept (`--retain-days`); default: forever. */
  retention?: RetentionOptions;
  /** Serve HTTPS (and WSS for the log stream) with this PEM certificate chain and key; default plain HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface RunningBackend {
  /** `http://host:port`, or `https://` with `tls` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The token, when this start generated it (print it once). */
  readonly generatedToken?: string;
  /** Instances, busy and waiting invocations per function. */
  executorStats(): InstanceStats[];
  /** Stops accepting, drains in-flight invocations, stops instances and closes the store. Safe to call twice. */
  close(): Promise<void>;
}

const mebibyte = 1024 * 1024;

export async function startBackend(options: BackendOptions = {}): Promise<RunningBackend> {
  const logger = options.logger ?? silentLogger;
  const dataDir = resolve(options.dataDir ?? join('.nimbus', 'backend'));
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : (error as Error).message;
    throw new NimbusError('USAGE', `the data dir ${dataDir} cannot be a folder (${reason}); give --data a folder of its own`, { cause: error });
  }
  const store = new MetadataStore(join(dataDir, 'metadata.db'), logger);
  const bundles = new BundleStore(dataDir);
  let executor: Executor | undefined;
  let app: FastifyInstance | undefined;
  let retention: HistoryRetention | undefined;
  try {
    await bundles.open();
    await bundles.collectGarbage(store.referencedBundles());
    const { guard, generated, keep: keepToken } = TokenGuard.open(store, dataDir, options.token);
    if (options.retention) retention = new HistoryRetention(store, options.retention, logger);
    const runningExecutor = createExecutor({
      cacheDir: join(dataDir, 'cache'),
      logger,
      sandbox: options.sandbox,
      idleTimeoutMs: options.idleTimeoutMs,
      prices: options.prices,
      whenSaturated: 'reject',
      maxQueued: options.maxQueuedPerFunction ?? 64,
    });
    executor = runningExecutor;
    const host = new FunctionHost(runningExecutor, store, bundles, logger);
    const deployments = new DeployService(store, bundles, host, {
      maxUnpackedBytes: options.archive?.maxUnpackedBytes ?? 200 * mebibyte,
      maxEntries: options.archive?.maxEntries ?? 1000,
    });
    const queues = new QueueDispatcher(host, store, { retryBaseMs: options.queue?.retryBaseMs ?? 1000, retryMaxMs: options.queue?.retryMaxMs ?? 60_000 }, logger);
    const schedules = new ScheduleRunner(host, logger);
    const buckets = new BucketNotifier(host, new ObjectStore(dataDir), logger);
    const gateway = new HttpGateway(host, guard, logger);

    app = Fastify({
      ...(options.tls ? { https: options.tls } : {}),
      logger: false,
      bodyLimit: options.maxJsonBytes ?? 6 * mebibyte,
      genReqId: () => randomUUID(),
      requestIdHeader: 'x-request-id',
      exposeHeadRoutes: false,
      // On close, idle keep-alive connections end at once; requests in flight finish first.
      forceCloseConnections: 'idle',
    });
    const server = app;
    let closing: Promise<void> | undefined;
    // Keep-alive connections busy when the close began would otherwise stay open after their last response.
    server.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
      if (closing) reply.header('connection', 'close');
    });
    installErrorHandling(server, guard, logger);
    server.get('/healthz', async () => ({ status: 'ok' }));
    await server.register((api) =>
      registerApi(api, {
        store,
        host,
        deployments,
        queues,
        buckets,
        guard,
        logger,
        maxArtifactBytes: options.maxArtifactBytes ?? 50 * mebibyte,
        maxObjectBytes: options.maxObjectBytes ?? 50 * mebibyte,
      }),
    { prefix: '/api/v1' });
    await gateway.register(server);
    const logStream = new LogStream(server.server, host, guard);
    await host.refresh();

    const listenHost = options.host ?? '127.0.0.1';
    const listenPort = options.port ?? 7700;
    const address = await server.listen({ host: listenHost, port: listenPort }).catch((error: unknown) => {
      throw listenFailure(error, 'The backend', listenHost, listenPort);
    });
    keepToken();
    const port = new URL(address).port;
    const close = () =>
      (closing ??= (async () => {
        logStream.dispose();
        // Stops accepting and waits for requests in flight (synchronous invocations answer first).
        await server.close();
        schedules.dispose();
        await queues.dispose();
        await buckets.drain();
        await host.drain();
        gateway.dispose();
        host.dispose();
        await runningExecutor.dispose();
        await retention?.dispose();
        await store.close();
        logger.info('backend stopped');
      })());
    logger.info('backend listening', { url: address, dataDir });
    return {
      url: address,
      port: Number(port),
      dataDir,
      ...(generated ? { generatedToken: generated } : {}),
      executorStats: () => runningExecutor.stats(),
      close,
    };
  } catch (error) {
    await app?.close();
    await executor?.dispose();
    await retention?.dispose();
    await store.close();
    throw error;
  }
}

function installErrorHandling(app: FastifyInstance, guard: TokenGuard, logger: Logger): void {
  app.addHook('onResponse', async (request, reply) => {
    logger.debug('request', {
      requestId: request.id,
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    });
  });
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]!;
    // Without the token, nothing under /api/v1 is told apart: not even which routes exist.
    if (path === '/api/v1' || path.startsWith('/api/v1/')) guard.require(request.headers.authorization);
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${path}; see DESIGN §6 for the API` } });
  });
  app.setErrorHandler(async (raw: FastifyError | NimbusError, request, reply) => {
    const error = fromFastifyError(raw, request.routeOptions.bodyLimit);
    const status = statusOf(error.code);
    if (status >= 500) logger.error('request failed', { requestId: request.id, error: error.message, stack: (raw as Error).stack });
    if (status === 429) reply.header('retry-after', '1');
    return reply.code(status).send({ error: { code: error.code, message: error.message } });
  });
}

/** `bodyLimit`: the largest body the route accepts, in bytes. */
function fromFastifyError(error: FastifyError | NimbusError, bodyLimit: number | undefined): NimbusError {
  if (error instanceof NimbusError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return new NimbusError('USAGE', `invalid request: ${fastifyError.message}`);
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = bodyLimit === undefined ? 'what' : bodyLimit < mebibyte ? `the ${Math.round(bodyLimit / 1024)} KiB` : `the ${+(bodyLimit / mebibyte).toFixed(1)} MiB`;
    return new NimbusError('PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} the backend accepts here; send less`);
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new NimbusError('USAGE', `${fastifyError.message}; send JSON, or application/gzip for deploys`);
  }
  if (fastifyError.statusCode && fastifyError.statusCode < 500) return new NimbusError('USAGE', fastifyError.message);
  return toNimbusError(error);
}

function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'BACKEND_UNAUTHORIZED':
      return 401;
    case 'NOT_FOUND':
    case 'FUNCTION_NOT_FOUND':
      return 404;
    case 'METHOD_NOT_ALLOWED':
      return 405;
    case 'CONFLICT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'INSTANCE_LIMIT':
    case 'RATE_LIMITED':
      return 429;
    case 'FUNCTION_ERROR':
    case 'FUNCTION_TIMEOUT':
    case 'FUNCTION_OUT_OF_MEMORY':
    case 'FUNCTION_CRASHED':
    case 'SANDBOX_DENIED':
    case 'HANDLER_NOT_FOUND':
      return 502;
    case 'INTERNAL':
    case 'BACKEND_ERROR':
    case 'BACKEND_UNREACHABLE':
      return 500;
    default:
      return 400;
  }
}
