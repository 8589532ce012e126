// Executor layer: the gateway's local control API under /_nimbus/ (JSON) and its server-sent event stream, used by
// the Test Events panel, tests and curl.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IDisposable } from '../shared/disposable';
import { toNimbusError } from '../shared/errors';
import { RouteTable } from '../shared/http/routes';
import { parseJsonBody, readBody, sendJson, statusOf } from './gateway-http';
import type { ControlRoute } from './sources/source';

export const controlPrefix = '/_nimbus';

/** Names of the server-sent events on `GET /_nimbus/events`. */
export type StreamEventName = 'log' | 'invocation' | 'invocation-failed' | 'reload' | 'manifest-invalid';

export function isControlPath(target: string): boolean {
  return target === controlPrefix || target.startsWith(`${controlPrefix}/`) || target.startsWith(`${controlPrefix}?`);
}

const loopbackNames = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The control API runs code on this machine, so a web page must not reach it: not from another origin (a page
 * POSTing to 127.0.0.1) and not through a name that resolves to loopback (DNS rebinding). Tools like curl send no
 * Origin; the panel's webview has a `vscode-webview:` origin.
 */
function foreignCaller(request: IncomingMessage): string | undefined {
  const host = (request.headers.host ?? '').replace(/:\d+$/, '');
  if (host && !loopbackNames.has(host)) return `The control API answers only on 127.0.0.1 or localhost, not on ${host}.`;
  const origin = request.headers.origin;
  if (!origin) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `Origin ${origin} may not use the control API.`;
  }
  if (parsed.protocol === 'vscode-webview:' || loopbackNames.has(parsed.host.replace(/:\d+$/, ''))) return undefined;
  return `Pages from ${origin} may not use the control API; call it from this machine's tools or the Nimbus panel.`;
}

export class ControlApi implements IDisposable {
  private readonly table = new RouteTable<ControlRoute>();
  private readonly streams = new Set<ServerResponse>();

  constructor(routes: readonly ControlRoute[]) {
    for (const route of routes) this.table.add(route.method, controlPrefix + route.path, route);
    // Listed like the others so 404 and 405 replies name it; handle() serves it as a stream, not as JSON.
    this.table.add('GET', `${controlPrefix}/events`, { method: 'GET', path: '/events', handle: () => undefined });
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const refusal = foreignCaller(request);
    if (refusal) {
      sendJson(response, 403, { error: { code: 'USAGE', message: refusal } });
      return;
    }
    const match = this.table.match(request.method ?? 'GET', url.pathname);
    if ('status' in match) {
      if (match.status === 405) {
        const allowed = match.allowed ?? [];
        sendJson(response, 405, { error: { code: 'USAGE', message: `Use ${allowed.join(' or ')} for ${url.pathname}.` } }, { allow: allowed.join(', ') });
      } else {
        const routes = this.table.routes().map((route) => route.routeKey);
        sendJson(response, 404, { error: { code: 'NOT_FOUND', message: `${url.pathname} is not part of the control API; it has: ${routes.join(', ')}.` } });
      }
      return;
    }
    if (url.pathname === `${controlPrefix}/events`) {
      this.openStream(request, response);
      return;
    }
    try {
      const body = await readBody(request);
      const reply = await match.value.handle({
        pathParameters: match.pathParameters,
        query: url.searchParams,
        body,
        json: () => parseJsonBody(body),
      });
      sendJson(response, match.value.status ?? 200, reply ?? null);
    } catch (error) {
      const failure = toNimbusError(error);
      sendJson(response, statusOf(failure.code), { error: { code: failure.code, message: failure.message } });
    }
  }

  /** Sends one event to every open `GET /_nimbus/events` stream. */
  broadcast(name: StreamEventName, data: unknown): void {
    if (this.streams.size === 0) return;
    const frame = `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of this.streams) stream.write(frame);
  }

  private openStream(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // A first comment line lets a client know the stream is live before any event happens.
    response.write(': nimbus events\n\n');
    this.streams.add(response);
    request.on('close', () => this.streams.delete(response));
  }

  dispose(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }
}
