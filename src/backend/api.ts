// Backend layer: the /api/v1 routes (DESIGN §6) — schema-validated, behind the bearer token.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NimbusError } from '../shared/errors';
import {
  sha256Header,
  type DeployResponse,
  type FunctionDetail,
  type FunctionSummary,
  type LogsPage,
} from '../shared/backendApi';
import type { Logger } from '../shared/logger';
import { TokenGuard } from './auth';
import type { BucketNotifier } from './triggers/buckets';
import type { QueueDispatcher } from './triggers/queues';
import type { DeployService } from './deployService';
import { functionNamePattern } from './deployConfig';
import { notDeployed, type DeployedFunction, type FunctionHost } from './functionHost';
import type { MetadataStore } from './store';

export interface ApiContext {
  store: MetadataStore;
  host: FunctionHost;
  deployments: DeployService;
  queues: QueueDispatcher;
  buckets: BucketNotifier;
  guard: TokenGuard;
  logger: Logger;
  /** Largest deploy artifact accepted, in bytes (compressed). */
  maxArtifactBytes: number;
  /** Largest bucket object accepted, in bytes. */
  maxObjectBytes: number;
}

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: functionNamePattern } },
} as const;

export async function registerApi(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { store, host, deployments, queues, buckets, guard, logger } = context;

  app.addHook('onRequest', async (request) => guard.require(request.headers.authorization));

  // Artifacts and objects are raw bytes; everything else under /api/v1 is JSON.
  app.addContentTypeParser(['application/gzip', 'application/x-gzip', 'application/octet-stream'], { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  // Body limits are the routes' own (not their parsers'), so a refusal can say which limit it was.
  app.put<{ Params: { name: string } }>('/functions/:name', { schema: { params: nameParams }, bodyLimit: context.maxArtifactBytes }, async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      throw new NimbusError('USAGE', 'send the deploy artifact as the body with Content-Type: application/gzip');
    }
    const header = request.headers[sha256Header];
    const outcome = await deployments.deploy(request.params.name, request.body, typeof header === 'string' ? header : undefined);
    logger.info(outcome.unchanged ? 'deploy unchanged' : 'deployed', {
      requestId: request.id,
      function: outcome.name,
      version: outcome.version,
      sha256: outcome.sha256,
      bytes: request.body.length,
    });
    const deployed = host.get(outcome.name);
    const body: DeployResponse = {
      name: outcome.name,
      version: outcome.version,
      sha256: outcome.sha256,
      unchanged: outcome.unchanged,
      urls: deployed ? urlsOf(deployed, baseUrl(request)) : [],
    };
    return reply.code(outcome.unchanged ? 200 : 201).send(body);
  });

  app.get('/functions', async (request): Promise<FunctionSummary[]> => host.functions().map((deployed) => summaryOf(deployed, baseUrl(request))));

  app.get<{ Params: { name: string } }>('/functions/:name', { schema: { params: nameParams } }, async (request): Promise<FunctionDetail> => {
    const deployed = host.get(request.params.name);
    const stored = store.getFunction(request.params.name);
    if (!deployed || !stored) throw notDeployed(request.params.name);
    const base = baseUrl(request);
    return {
      ...summaryOf(deployed, base),
      handler: deployed.config.handler,
      concurrency: deployed.config.concurrency,
      instanceConcurrency: deployed.runnable.instanceConcurrency,
      env: deployed.config.env,
      urls: urlsOf(deployed, base),
      versions: stored.versions,
    };
  });

  app.delete<{ Params: { name: string } }>('/functions/:name', { schema: { params: nameParams } }, async (request, reply) => {
    if (!(await deployments.delete(request.params.name))) throw notDeployed(request.params.name);
    logger.info('deleted', { requestId: request.id, function: request.params.name });
    return reply.code(204).send();
  });

  app.post<{ Params: { name: string }; Body: { version?: number } | undefined }>(
    '/functions/:name/rollback',
    {
      schema: {
        params: nameParams,
        body: { type: 'object', additionalProperties: false, properties: { version: { type: 'integer', minimum: 1 } } },
      },
    },
    async (request) => {
      const version = await deployments.rollback(request.params.name, request.body?.version);
      logger.info('rolled back', { requestId: request.id, function: request.params.name, version });
      return { name: request.params.name, version };
    },
  );

  app.post<{ Params: { name: string }; Body: unknown }>('/functions/:name/invoke', { schema: { params: nameParams } }, async (request) =>
    host.invoke(request.params.name, request.body ?? {}, 'api'),
  );

  app.get<{ Params: { name: string }; Querystring: { since?: string; limit?: number; newest?: boolean } }>(
    '/functions/:name/logs',
    {
      schema: {
        params: nameParams,
        querystring: {
          type: 'object',
          properties: {
            since: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            // The last `limit` lines instead of the first ones after `since` (what a terminal wants first).
            newest: { type: 'boolean', default: false },
          },
        },
      },
    },
    async (request): Promise<LogsPage> => {
      const { name } = request.params;
      if (!host.get(name)) throw notDeployed(name);
      const since = sinceSequence(store, name, request.query.since);
      const lines = store.logs(name, since, request.query.limit ?? 100, request.query.newest === true);
      return { lines, next: lines.length > 0 ? lines[lines.length - 1]!.sequence : since };
    },
  );

  app.get<{ Params: { name: string } }>('/functions/:name/metrics', { schema: { params: nameParams } }, async (request) => {
    if (!host.get(request.params.name)) throw notDeployed(request.params.name);
    return store.metrics(request.params.name);
  });

  app.post<{ Params: { topic: string }; Body: unknown }>(
    '/queues/:topic/messages',
    { schema: { params: { type: 'object', properties: { topic: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' } } } } },
    async (request, reply) => {
      const body = request.body as { messages?: unknown } | undefined;
      // `{messages: [...]}` enqueues several; any other JSON value is one message. Strings are sent as they are.
      const values = body && typeof body === 'object' && Array.isArray(body.messages) ? body.messages : [request.body ?? null];
      const bodies = values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
      return reply.code(202).send(queues.enqueue(request.params.topic, bodies));
    },
  );

  app.get<{ Params: { topic: string } }>('/queues/:topic/dead-letters', async (request) => store.deadLetters(request.params.topic));

  await app.register(async (objects) => {
    // Objects are stored as sent, whatever their type.
    objects.removeAllContentTypeParsers();
    objects.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const objectParams = { type: 'object', required: ['bucket', '*'], properties: { bucket: { type: 'string' }, '*': { type: 'string' } } } as const;
    type ObjectRequest = FastifyRequest<{ Params: { bucket: string; '*': string } }>;
    objects.put('/buckets/:bucket/objects/*', { schema: { params: objectParams }, bodyLimit: context.maxObjectBytes }, async (request: ObjectRequest, reply: FastifyReply) => {
      const content = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return reply.code(201).send(await buckets.put(request.params.bucket, request.params['*'], content));
    });
    objects.get('/buckets/:bucket/objects/*', { schema: { params: objectParams } }, async (request: ObjectRequest, reply: FastifyReply) =>
      reply.type('application/octet-stream').send(await buckets.get(request.params.bucket, request.params['*'])),
    );
    objects.delete('/buckets/:bucket/objects/*', { schema: { params: objectParams } }, async (request: ObjectRequest, reply: FastifyReply) => {
      if (!(await buckets.delete(request.params.bucket, request.params['*']))) {
        throw new NimbusError('NOT_FOUND', `object ${request.params['*']} is not in bucket ${request.params.bucket}`);
      }
      return reply.code(204).send();
    });
  });
}

/** `since` is a sequence number from a previous page's `next`, or an ISO time. */
function sinceSequence(store: MetadataStore, name: string, since: string | undefined): number {
  if (since === undefined || since === '') return 0;
  if (/^\d+$/.test(since)) return Number(since);
  const time = Date.parse(since);
  if (Number.isNaN(time)) throw new NimbusError('USAGE', `since=${since} is neither a sequence number nor an ISO time`);
  return store.sequenceBefore(name, new Date(time).toISOString());
}

export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

function urlsOf(deployed: DeployedFunction, base: string): string[] {
  return deployed.config.triggers.flatMap((trigger) => (trigger.type === 'http' ? [`${base}/fn${trigger.path}`] : []));
}

function summaryOf(deployed: DeployedFunction, base: string): FunctionSummary {
  const [url] = urlsOf(deployed, base);
  return {
    name: deployed.name,
    version: deployed.version,
    runtime: deployed.config.runtime,
    memory: deployed.config.memory,
    timeout: deployed.config.timeout,
    triggers: deployed.config.triggers,
    ...(url ? { url } : {}),
    updatedAt: deployed.updatedAt,
  };
}
