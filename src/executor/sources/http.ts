// Executor layer: the HTTP event source — routes real requests to functions' http triggers as API Gateway v2 events.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNimbusError } from '../../shared/errors';
import { httpEvent, httpResponseFromResult } from '../../shared/events';
import { RouteTable } from '../../shared/http/routes';
import { isTimeout, type InvocationResult } from '../../shared/invocation';
import type { FunctionSpec, HttpTrigger } from '../../shared/manifest/model';
import { readBody, sendJson } from '../gateway-http';
import type { ControlRoute, EventSource, EventSourceModule, SourceHost, TriggerBinding } from './source';

export interface RouteDescription {
  method: string;
  path: string;
  function: string;
}

export class HttpSource implements EventSource<HttpTrigger> {
  readonly type = 'http';
  private table = new RouteTable<FunctionSpec>();
  private routes: RouteDescription[] = [];

  constructor(private readonly host: SourceHost) {}

  async configure(bindings: readonly TriggerBinding<HttpTrigger>[]): Promise<void> {
    // Built aside and swapped in whole, so a request never sees half a reload.
    const table = new RouteTable<FunctionSpec>();
    const routes: RouteDescription[] = [];
    for (const { function: fn, trigger } of bindings) {
      try {
        table.add(trigger.method, trigger.path, fn, fn.name);
        routes.push({ method: trigger.method, path: trigger.path, function: fn.name });
      } catch (error) {
        this.host.logger.warn(`Route ${trigger.method} ${trigger.path} of ${fn.name} is not served: ${toNimbusError(error).message}`);
      }
    }
    this.table = table;
    this.routes = routes;
  }

  describe(): RouteDescription[] {
    return this.routes;
  }

  controlRoutes(): ControlRoute[] {
    return [];
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = queryStart === -1 ? target : target.slice(0, queryStart);
    const rawQueryString = queryStart === -1 ? '' : target.slice(queryStart + 1);
    const method = (request.method ?? 'GET').toUpperCase();

    const match = this.table.match(method, path);
    if ('status' in match) {
      if (match.status === 405) {
        const allowed = match.allowed ?? [];
        sendJson(response, 405, { message: 'Method Not Allowed', allowed }, { allow: allowed.join(', ') });
      } else {
        sendJson(response, 404, { message: 'Not Found', routes: this.routes.map((route) => `${route.method} ${route.path}`) });
      }
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      sendJson(response, 413, { message: 'Request Entity Too Large', error: toNimbusError(error).toJSON() });
      return;
    }
    const event = httpEvent({
      method,
      path,
      rawQueryString,
      headers: request.headers,
      body,
      routeKey: match.routeKey,
      pathParameters: match.pathParameters,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    });

    let result: InvocationResult;
    try {
      result = await this.host.invoke(match.value, event, `${method} ${path}`);
    } catch (error) {
      const failure = toNimbusError(error);
      if (failure.code === 'FUNCTION_TIMEOUT') {
        sendJson(response, 504, { message: 'Endpoint request timed out' });
      } else if (failure.code === 'INSTANCE_LIMIT') {
        sendJson(response, 429, { message: 'Too Many Requests' });
      } else {
        // The function never ran (build failure, missing handler): say why, it is what the developer needs to see.
        sendJson(response, 502, { message: 'Internal Server Error', error: failure.toJSON() });
      }
      return;
    }
    response.setHeader('x-nimbus-request-id', result.requestId);
    if (result.error) {
      if (isTimeout(result.error)) sendJson(response, 504, { message: 'Endpoint request timed out' });
      else sendJson(response, 502, { message: 'Internal Server Error' });
      return;
    }
    this.send(response, result);
  }

  private send(response: ServerResponse, result: InvocationResult): void {
    try {
      const reply = httpResponseFromResult(result.result);
      response.statusCode = reply.statusCode;
      for (const [name, value] of Object.entries(reply.headers)) response.setHeader(name, value);
      if (reply.cookies?.length) response.setHeader('set-cookie', reply.cookies);
      response.setHeader('content-length', reply.body.byteLength);
      response.end(reply.body);
    } catch (error) {
      // A result that cannot become a response (bad header name, bad status) is the function's fault, as on AWS.
      this.host.logger.warn(`${result.functionName} returned a result that is not a valid HTTP response: ${toNimbusError(error).message}`);
      for (const name of response.getHeaderNames()) if (name !== 'x-nimbus-request-id') response.removeHeader(name);
      sendJson(response, 502, { message: 'Internal Server Error' });
    }
  }

  dispose(): void {
    this.routes = [];
  }
}

export const httpSource: EventSourceModule<HttpTrigger, HttpSource> = {
  type: 'http',
  create: (host) => new HttpSource(host),
};
