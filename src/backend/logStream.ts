// Backend layer: the live log tail — WebSocket clients at /api/v1/logs/stream?function=<name> receive every log
// line (JSON, one per message) as the function writes it. Authenticated on upgrade by header or `token` query param.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { IDisposable } from '../shared/disposable';
import type { LogLine } from '../shared/invocation';
import { TokenGuard } from './auth';
import type { FunctionHost } from './functionHost';

export const logStreamPath = '/api/v1/logs/stream';

/** A client this far behind loses lines rather than growing the backend's memory without bound. */
const maxBufferedBytes = 4 * 1024 * 1024;

export class LogStream implements IDisposable {
  private readonly sockets = new WebSocketServer({ noServer: true });
  private readonly filters = new Map<WebSocket, string | undefined>();
  private readonly subscription: IDisposable;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head);

  constructor(
    private readonly server: Server,
    host: FunctionHost,
    private readonly guard: TokenGuard,
  ) {
    server.on('upgrade', this.onUpgrade);
    this.subscription = host.onDidLog((line) => this.publish(line));
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://backend');
    if (url.pathname !== logStreamPath) return refuse(socket, 404, 'Not Found', 'NOT_FOUND', `no WebSocket at ${url.pathname}; use ${logStreamPath}`);
    const token = TokenGuard.tokenOf(request.headers.authorization, url.searchParams.get('token') ?? undefined);
    if (!this.guard.accepts(token)) {
      return refuse(socket, 401, 'Unauthorized', 'BACKEND_UNAUTHORIZED', 'a valid bearer token is required; set NIMBUS_TOKEN or pass --token');
    }
    const functionName = url.searchParams.get('function') ?? undefined;
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
      this.filters.set(webSocket, functionName);
      webSocket.on('close', () => this.filters.delete(webSocket));
      webSocket.on('error', () => this.filters.delete(webSocket));
    });
  }

  private publish(line: LogLine): void {
    let text: string | undefined;
    for (const [webSocket, functionName] of this.filters) {
      if (functionName !== undefined && functionName !== line.functionName) continue;
      if (webSocket.bufferedAmount > maxBufferedBytes) continue;
      text ??= JSON.stringify(line);
      webSocket.send(text);
    }
  }

  dispose(): void {
    this.server.off('upgrade', this.onUpgrade);
    this.subscription.dispose();
    for (const webSocket of this.filters.keys()) webSocket.close(1001, 'backend shutting down');
    this.filters.clear();
    this.sockets.close();
  }
}

function refuse(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
