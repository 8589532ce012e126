// Backend layer: the public HTTP triggers — `ANY /fn/{route...}` matched against the deployed functions' routes,
// turned into API Gateway v2 events, and the function's result turned back into the HTTP response.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpEvent, httpResponseFromResult, type HttpResponse } from '../shared/events';
import { isTimeout } from '../shared/invocation';
import { NimbusError } from '../shared/errors';
import { isRouteMatch, RouteTable } from '../shared/http/routes';
import type { HttpTrigger } from '../shared/manifest/model';
import type { IDisposable } from '../shared/disposable';
import type { Logger } from '../shared/logger';
import { TokenGuard } from './auth';
import type { DeployedFunction, FunctionHost } from './functionHost';

export const gatewayPrefix = '/fn';

interface RouteTarget {
  functionName: string;
  auth: HttpTrigger['auth'];
}

export class HttpGateway implements IDisposable {
  private routes = new RouteTable<RouteTarget>();
  private readonly subscription: IDisposable;

  constructor(
    private readonly host: FunctionHost,
    private readonly guard: TokenGuard,
    private readonly logger: Logger,
  ) {
    this.subscription = host.onDidChangeFunctions((functions) => this.rebuild(functions));
  }

  /** Registers the catch-all routes; bodies reach the function as raw bytes whatever their type. */
  async register(app: FastifyInstance): Promise<void> {
    await app.register(async (gateway) => {
      gateway.removeAllContentTypeParsers();
      gateway.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      const handler = (request: FastifyRequest, reply: FastifyReply) => this.handle(request, reply);
      gateway.all(gatewayPrefix, handler);
      gateway.all(`${gatewayPrefix}/*`, handler);
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private rebuild(functions: readonly DeployedFunction[]): void {
    const routes = new RouteTable<RouteTarget>();
    for (const deployed of functions) {
      for (const trigger of deployed.config.triggers) {
        if (trigger.type !== 'http') continue;
        try {
          routes.add(trigger.method, trigger.path, { functionName: deployed.name, auth: trigger.auth });
        } catch (error) {
          // Deploys refuse clashing routes; this only guards data written by an older backend.
          this.logger.warn('route skipped', { function: deployed.name, route: `${trigger.method} ${trigger.path}`, error: String(error) });
        }
      }
    }
    this.routes = routes;
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const rawUrl = request.raw.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const path = rawPath.slice(gatewayPrefix.length) || '/';
    const match = this.routes.match(request.method, path);
    if (!isRouteMatch(match)) {
      if (match.status === 405) {
        reply.header('allow', match.allowed?.join(', ') ?? '');
        return reply.code(405).send({ error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed on ${path}; use ${match.allowed?.join(', ')}` } });
      }
      throw new NimbusError('NOT_FOUND', `no deployed function serves ${request.method} ${path}; check the routes with \`nimbus functions\``);
    }
    if (match.value.auth === 'token' && !this.guard.accepts(TokenGuard.tokenOf(request.headers.authorization))) {
      throw new NimbusError('BACKEND_UNAUTHORIZED', `${match.routeKey} requires the backend's bearer token (Authorization: Bearer <token>)`);
    }
    const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
    const event = httpEvent({
      method: request.method,
      path,
      rawQueryString: queryStart === -1 ? '' : rawUrl.slice(queryStart + 1),
      // The routes are served under /fn: a handler building links (a fetch handler's request.url) needs to know.
      headers: { ...request.headers, 'x-forwarded-prefix': gatewayPrefix },
      body,
      routeKey: match.routeKey,
      pathParameters: match.pathParameters,
      sourceIp: request.ip,
    });
    const invocation = await this.host.invoke(match.value.functionName, event, 'http');
    reply.header('x-nimbus-request-id', invocation.requestId);
    // As API Gateway does (and the local gateway): the caller sees a generic 504 or 502; the error is in the logs.
    const failed = (status: number, message: string) => reply.code(status).type('application/json').send({ message, requestId: invocation.requestId });
    if (invocation.error) return isTimeout(invocation.error) ? failed(504, 'Endpoint request timed out') : failed(502, 'Internal Server Error');
    let response: HttpResponse;
    try {
      response = httpResponseFromResult(invocation.result);
    } catch (error) {
      this.logger.warn('a function returned a result that is not an HTTP response', { function: invocation.functionName, requestId: invocation.requestId, error: String(error) });
      return failed(502, 'Internal Server Error');
    }
    reply.code(response.statusCode);
    for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
    if (response.cookies?.length) reply.header('set-cookie', response.cookies);
    // An empty body goes as none: a Buffer would make fastify add a content-type the function did not set.
    return response.body.byteLength === 0 ? reply.send() : reply.send(Buffer.from(response.body));
  }
}
