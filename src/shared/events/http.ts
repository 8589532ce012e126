// Shared layer: builds API Gateway HTTP API v2.0 events from requests and turns handler results into responses (DESIGN §3).
import { base64Decode, base64Encode, randomUuid, utf8DecodeStrict, utf8Encode } from './encoding';
import { localAccountId, type ApiGatewayV2Event } from './types';
import { NimbusError } from '../errors';

export interface HttpEventInput {
  method: string;
  path: string;
  rawQueryString?: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Uint8Array;
  routeKey: string;
  pathParameters?: Record<string, string>;
  sourceIp?: string;
  requestId?: string;
  time?: Date;
  domainName?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: Uint8Array;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Content types API Gateway passes as binary (base64) even when the bytes happen to be valid UTF-8. */
export function isBinaryContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return /^(image|audio|video|font)\//.test(type)
    || /^application\/(octet-stream|pdf|zip|gzip|x-gzip|x-tar|wasm|x-protobuf|protobuf|msgpack)$/.test(type)
    || type === 'multipart/form-data';
}

export function httpEvent(input: HttpEventInput): ApiGatewayV2Event {
  const headers: Record<string, string> = {};
  let cookieHeader: string | undefined;
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(lower === 'cookie' ? '; ' : ',') : value;
    // Payload 2.0 moves cookies out of the headers into `cookies`.
    if (lower === 'cookie') cookieHeader = cookieHeader ? `${cookieHeader}; ${joined}` : joined;
    else headers[lower] = headers[lower] === undefined ? joined : `${headers[lower]},${joined}`;
  }
  const rawQueryString = (input.rawQueryString ?? '').replace(/^\?/, '');
  const time = input.time ?? new Date();
  const domainName = input.domainName ?? headers.host?.split(':')[0] ?? 'localhost';
  const method = input.method.toUpperCase();
  const cookies = cookieHeader?.split(';').map((cookie) => cookie.trim()).filter(Boolean);
  const query = parseQueryString(rawQueryString);
  const pathParameters = input.pathParameters && Object.keys(input.pathParameters).length > 0 ? { ...input.pathParameters } : undefined;
  const body = encodeBody(input.body, headers['content-type']);
  // Keys in the order AWS documents them, so generated events read like the ones in AWS docs.
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: input.path,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: localAccountId,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method,
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId ?? randomUuid(),
      routeKey: input.routeKey,
      stage: '$default',
      time: formatRequestTime(time),
      timeEpoch: time.getTime(),
    },
    ...(body ? { body: body.text } : {}),
    isBase64Encoded: body?.base64 ?? false,
  };
}

function encodeBody(body: string | Uint8Array | undefined, contentType: string | undefined): { text: string; base64: boolean } | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const binary = isBinaryContentType(contentType);
  if (typeof body === 'string') return binary ? { text: base64Encode(utf8Encode(body)), base64: true } : { text: body, base64: false };
  const text = binary ? undefined : utf8DecodeStrict(body);
  return text === undefined ? { text: base64Encode(body), base64: true } : { text, base64: false };
}

/** Repeated keys joined with ',' as API Gateway does; undefined when there is no query. */
function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const parameters: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    parameters[key] = parameters[key] === undefined ? value : `${parameters[key]},${value}`;
  }
  return Object.keys(parameters).length ? parameters : undefined;
}

/** `12/Mar/2020:19:03:58 +0000`, the requestContext.time format. */
export function formatRequestTime(time: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(time.getUTCDate())}/${months[time.getUTCMonth()]}/${time.getUTCFullYear()}:${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())} +0000`;
}

/**
 * API Gateway v2 response rules: an object with a numeric statusCode is a structured response; anything else is data —
 * sent with status 200 and content-type application/json, a string as it is and any other value as JSON.
 */
export function httpResponseFromResult(result: unknown): HttpResponse {
  if (isStructured(result)) {
    if (!Number.isInteger(result.statusCode) || result.statusCode < 100 || result.statusCode > 599) {
      throw new NimbusError('FUNCTION_ERROR', `the function returned statusCode ${result.statusCode}; an HTTP status is a whole number from 100 to 599`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
    }
    let body: Uint8Array;
    if (result.body === undefined || result.body === null) body = new Uint8Array();
    else if (typeof result.body === 'string') body = result.isBase64Encoded ? base64Decode(result.body) : utf8Encode(result.body);
    else {
      body = utf8Encode(JSON.stringify(result.body));
      headers['content-type'] ??= 'application/json';
    }
    const response: HttpResponse = { statusCode: result.statusCode, headers, body };
    if (Array.isArray(result.cookies) && result.cookies.length) response.cookies = result.cookies.map(String);
    return response;
  }
  const text = result === undefined ? '' : typeof result === 'string' ? result : JSON.stringify(result);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: utf8Encode(text) };
}

function isStructured(result: unknown): result is Omit<Partial<Record<string, unknown>>, 'statusCode'> & {
  statusCode: number;
  headers?: Record<string, unknown>;
  cookies?: unknown[];
  body?: unknown;
  isBase64Encoded?: boolean;
} {
  return typeof result === 'object' && result !== null && !Array.isArray(result)
    && typeof (result as { statusCode?: unknown }).statusCode === 'number';
}
