// Shared layer: HTTP route syntax and matching (API Gateway style), used by the local gateway and the backend.
import { NimbusError } from '../errors';

export const routeMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] as const;

type SegmentKind = 'literal' | 'param' | 'proxy';

interface RouteSegment {
  kind: SegmentKind;
  /** The literal text, or the parameter's name. */
  text: string;
}

export interface CompiledRoute {
  /** Upper-case method, or 'ANY'. */
  method: string;
  path: string;
  /** `GET /thumbs/{id}`, as in `event.routeKey`. */
  routeKey: string;
  segments: readonly RouteSegment[];
}

export type RouteMatch<T> = { value: T; pathParameters: Record<string, string>; routeKey: string };
export type RouteMiss = { status: 404 | 405; allowed?: string[] };

export interface RouteEntry<T> {
  method: string;
  path: string;
  routeKey: string;
  value: T;
}

/** Why a route path is not valid, or undefined when it is. */
export function routeSyntaxError(path: string): string | undefined {
  if (!path.startsWith('/')) return `route '${path}' must start with '/'`;
  if (/[?#]/.test(path)) return `route '${path}' must not contain '?' or '#'; query strings are not part of a route`;
  const segments = splitPath(path);
  const names = new Set<string>();
  for (const [index, segment] of segments.entries()) {
    if (!segment.includes('{') && !segment.includes('}')) continue;
    const match = /^\{([A-Za-z_][A-Za-z0-9_-]*)(\+?)\}$/.exec(segment);
    if (!match) {
      return `route segment '${segment}' is not valid; a parameter fills a whole segment, like /items/{id}`;
    }
    const [, name, greedy] = match;
    if (greedy && index !== segments.length - 1) {
      return `greedy parameter '{${name}+}' must be the last segment of the route`;
    }
    if (names.has(name)) return `parameter '{${name}}' appears twice in route '${path}'`;
    names.add(name);
  }
  return undefined;
}

export function compileRoute(method: string, path: string): CompiledRoute {
  const upper = method.toUpperCase();
  if (!(routeMethods as readonly string[]).includes(upper)) {
    throw new NimbusError('MANIFEST_INVALID', `HTTP method '${method}' is not supported; use one of ${routeMethods.join(', ')}`);
  }
  const problem = routeSyntaxError(path);
  if (problem) throw new NimbusError('MANIFEST_INVALID', problem);
  const segments = splitPath(path).map((segment): RouteSegment => {
    const match = /^\{(.+?)(\+?)\}$/.exec(segment);
    if (!match) return { kind: 'literal', text: segment };
    return { kind: match[2] ? 'proxy' : 'param', text: match[1] };
  });
  return { method: upper, path, routeKey: `${upper} ${path}`, segments };
}

/** A shape of a route that ignores parameter names, so `/a/{id}` and `/a/{name}` count as the same route. */
export function routeShape(route: CompiledRoute): string {
  const shape = route.segments.map((segment) => (segment.kind === 'literal' ? segment.text : segment.kind === 'param' ? '{}' : '{+}'));
  return `${route.method} /${shape.join('/')}`;
}

interface TableEntry<T> {
  route: CompiledRoute;
  value: T;
  owner?: string;
}

export class RouteTable<T> {
  private readonly entries: TableEntry<T>[] = [];

  /** `owner` names who serves the route (a function) in the message of a later route that clashes with it. */
  add(method: string, path: string, value: T, owner?: string): void {
    const route = compileRoute(method, path);
    const shape = routeShape(route);
    const taken = this.entries.find((entry) => routeShape(entry.route) === shape);
    if (taken) {
      const of = taken.owner === undefined ? '' : ` of ${taken.owner}`;
      throw new NimbusError('CONFLICT', `route '${route.routeKey}' clashes with '${taken.route.routeKey}'${of}; each method and path may have one function`);
    }
    this.entries.push({ route, value, ...(owner === undefined ? {} : { owner }) });
  }

  routes(): RouteEntry<T>[] {
    return this.entries.map(({ route, value }) => ({ method: route.method, path: route.path, routeKey: route.routeKey, value }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The most specific route for a request: literal segments beat parameters, which beat a greedy tail; an exact method beats ANY. */
  match(method: string, path: string): RouteMatch<T> | RouteMiss {
    const upper = method.toUpperCase();
    const requestSegments = splitPath(path);
    let best: { entry: TableEntry<T>; parameters: Record<string, string>; score: number[] } | undefined;
    const allowed = new Set<string>();
    for (const entry of this.entries) {
      const parameters = matchSegments(entry.route.segments, requestSegments);
      if (!parameters) continue;
      if (entry.route.method !== upper && entry.route.method !== 'ANY') {
        allowed.add(entry.route.method);
        continue;
      }
      const score = [...specificity(entry.route.segments), entry.route.method === 'ANY' ? 0 : 1];
      if (!best || compareScores(score, best.score) > 0) best = { entry, parameters, score };
    }
    if (best) return { value: best.entry.value, pathParameters: best.parameters, routeKey: best.entry.route.routeKey };
    if (allowed.size > 0) return { status: 405, allowed: [...allowed].sort() };
    return { status: 404 };
  }
}

export function isRouteMatch<T>(result: RouteMatch<T> | RouteMiss): result is RouteMatch<T> {
  return !('status' in result);
}

/** Path segments without empty ones, so `/a/`, `/a` and `//a` all match the route `/a`. */
function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(route: readonly RouteSegment[], request: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of route.entries()) {
    if (segment.kind === 'proxy') {
      // A greedy parameter needs at least one segment, like API Gateway's {proxy+}.
      if (index >= request.length) return undefined;
      parameters[segment.text] = request.slice(index).map(decodeSegment).join('/');
      return parameters;
    }
    const part = request[index];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (decodeSegment(part) !== segment.text) return undefined;
    } else {
      parameters[segment.text] = decodeSegment(part);
    }
  }
  return route.length === request.length ? parameters : undefined;
}

/** Per segment: literal 3, parameter 2, greedy 1; compared left to right so the first differing segment decides. */
function specificity(segments: readonly RouteSegment[]): number[] {
  return segments.map((segment) => (segment.kind === 'literal' ? 3 : segment.kind === 'param' ? 2 : 1));
}

function compareScores(left: number[], right: number[]): number {
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
