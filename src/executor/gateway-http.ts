// Executor layer: the few node:http helpers the local gateway and its sources share (bodies, JSON replies, status codes).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { NimbusError, type ErrorCode } from '../shared/errors';

/** API Gateway's and Lambda's synchronous payload limit. */
export const maxBodyBytes = 6 * 1024 * 1024;

export function readBody(request: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new NimbusError('PAYLOAD_TOO_LARGE', `The request body is over ${limit} bytes; send a smaller one.`));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body));
  response.statusCode = status;
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.setHeader('content-type', 'application/json');
  response.setHeader('content-length', payload.length);
  response.end(payload);
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new NimbusError('EVENT_INVALID', `The request body is not JSON (${(error as Error).message}); send a JSON value.`);
  }
}

/** The HTTP status that reports a NimbusError of this code to a control API client. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'NOT_FOUND':
    case 'FUNCTION_NOT_FOUND':
      return 404;
    case 'USAGE':
    case 'EVENT_INVALID':
      return 400;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'INSTANCE_LIMIT':
    case 'RATE_LIMITED':
      return 429;
    case 'FUNCTION_TIMEOUT':
      return 504;
    default:
      return 500;
  }
}
