// Executor layer, inside each instance's child process: the tiny runtime that loads one function's bundle once and
// serves its invocations over IPC. It must start fast, so it requires nothing but Node built-ins.

import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { ConsoleLevel, FunctionErrorPayload } from '../../shared/invocation';
import { BatchedChannel } from '../channel';
import { pausedTimeHookKey, type HarnessConfig, type HarnessMessage, type ParentMessage } from '../protocol';

type HandlerKind = 'lambda' | 'fetch';
type AnyFunction = (...args: unknown[]) => unknown;

interface Invocation {
  requestId: string;
  deadline: number;
  started: number;
}

interface LoadedHandler {
  kind: HandlerKind;
  call: AnyFunction;
  self: unknown;
}

const realExit = process.exit.bind(process);
let config: HarnessConfig | undefined;
let handler: LoadedHandler | undefined;
/** The invocations running now, at most `config.concurrency`. */
const running = new Map<string, Invocation>();
const pending: Extract<ParentMessage, { type: 'invoke' }>[] = [];
/** Set when the instance serves several invocations at once: says which of them a console line comes from. */
let invocationContext: AsyncLocalStorage<Invocation> | undefined;

const channel = new BatchedChannel<HarnessMessage>((batch, callback) => {
  if (!process.connected) {
    process.nextTick(callback);
    return true;
  }
  return process.send!(batch, undefined, undefined, callback);
}, sendable);

/**
 * The message, or for a result JSON cannot carry (a cycle, a BigInt, a throwing toJSON) an error saying why. Only a
 * handler's result can fail to serialize (all else is strings and numbers); the rest of its batch goes as it is.
 */
function sendable(message: HarnessMessage): HarnessMessage {
  if (message.type !== 'result') return message;
  try {
    JSON.stringify(message.result);
    return message;
  } catch (error) {
    const cause = toPayload(error);
    // The frames from JSON.stringify on are the harness's; above it there is at most a toJSON of the function's own.
    const stack = Array.isArray(cause.stack) ? cause.stack : [];
    const harnessFrames = stack.findIndex((line) => line.trim().startsWith('at JSON.stringify'));
    const errorMessage = `the handler's result cannot be sent as JSON: ${cause.errorMessage}`;
    return { ...message, result: undefined, error: { ...cause, errorMessage, stack: harnessFrames < 0 ? stack : stack.slice(0, harnessFrames) } };
  }
}

/** With a callback the message (and what waits before it) leaves now, and the callback runs once it is written. */
function send(message: HarnessMessage, callback?: () => void): void {
  if (callback) channel.sendNow(message, callback);
  else channel.send(message);
}

/** Exits once the lines and results waiting to be sent are written. */
function exitProcess(code: number): never {
  channel.flush();
  return realExit(code);
}

/** The invocation whose code is running: the only one, or the one whose async context this is. */
function currentInvocation(): Invocation | undefined {
  return invocationContext?.getStore() ?? (running.size === 1 ? running.values().next().value : undefined);
}

/**
 * A console line leaves at once, with whatever waits before it: the code that wrote it may never let the event loop
 * turn again (an endless loop the timeout ends, an allocation the memory limit ends), and the line must not be lost.
 * Only while the executor falls behind a burst of lines do they wait, in batches (see BatchedChannel).
 */
function writeLog(level: ConsoleLevel, message: string): void {
  channel.sendNow({ type: 'log', requestId: currentInvocation()?.requestId, level, message, time: new Date().toISOString() });
}

function captureConsole(): void {
  const levels: [keyof Console, ConsoleLevel][] = [
    ['log', 'info'],
    ['info', 'info'],
    ['warn', 'warn'],
    ['error', 'error'],
    ['debug', 'debug'],
  ];
  for (const [method, level] of levels) {
    (console as unknown as Record<string, AnyFunction>)[method] = (...args: unknown[]) => writeLog(level, format(...args));
  }
  // process.stdout/stderr are created lazily by Node and cost time to create; patch them only when first touched.
  for (const [name, level] of [['stdout', 'info'], ['stderr', 'error']] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    if (!descriptor?.get) continue;
    let stream: NodeJS.WriteStream | undefined;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        if (!stream) {
          stream = descriptor.get!.call(process) as NodeJS.WriteStream;
          stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
            const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
            writeLog(level, text.endsWith('\n') ? text.slice(0, -1) : text);
            const done = typeof encoding === 'function' ? encoding : callback;
            if (typeof done === 'function') queueMicrotask(() => done());
            return true;
          }) as NodeJS.WriteStream['write'];
        }
        return stream;
      },
    });
  }
}

/** Turns a permission-model or namespace refusal into a sentence naming what was blocked. */
function describeDenial(error: NodeJS.ErrnoException & { permission?: string; resource?: string }): string | undefined {
  if (error.code === 'ERR_ACCESS_DENIED') {
    switch (error.permission) {
      case 'FileSystemRead':
        return `sandbox denied read of ${error.resource}: functions may read only their own folder`;
      case 'FileSystemWrite':
        return `sandbox denied write of ${error.resource}: functions may write only to their tmp dir (${process.env.TMPDIR})`;
      case 'ChildProcess':
        return 'sandbox denied spawning a child process: functions may not start processes';
      case 'WorkerThreads':
        return 'sandbox denied starting a worker thread: functions may not start workers';
      default:
        return `sandbox denied ${error.permission ?? 'an operation'}${error.resource ? ` on ${error.resource}` : ''}`;
    }
  }
  if ((error.code === 'EROFS' || error.code === 'EACCES') && error.path) {
    return `sandbox denied ${error.syscall ?? 'access'} of ${error.path}: functions may write only to their tmp dir (${process.env.TMPDIR})`;
  }
  if (config && !config.network && (error.code === 'ENETUNREACH' || error.code === 'EAI_AGAIN')) {
    const target = (error as { address?: string; port?: number; hostname?: string }).address
      ? `${(error as { address?: string }).address}:${(error as { port?: number }).port}`
      : ((error as { hostname?: string }).hostname ?? 'the network');
    return `sandbox denied network access to ${target}: set network: true for the function in nimbus.yaml`;
  }
  return undefined;
}

/**
 * An error's stack as the function's own: the frames from the first of this harness's on are the harness calling the
 * handler (and Node under it), the same for every error, so they are left out.
 */
function functionStack(stack: string | undefined): string[] {
  const lines = stack ? stack.split('\n') : [];
  const harnessFrame = lines.findIndex((line) => line.includes(__filename));
  return harnessFrame > 0 ? lines.slice(0, harnessFrame) : lines;
}

function toPayload(value: unknown): FunctionErrorPayload {
  if (value instanceof Error) {
    const stack = functionStack(value.stack);
    const denial = describeDenial(value) ?? (value.cause instanceof Error ? describeDenial(value.cause) : undefined);
    if (denial) return { errorType: 'SandboxDenied', errorMessage: denial, stack };
    // String(): a name or message set to something JSON cannot carry must not keep the error from being sent.
    return { errorType: String(value.name || 'Error'), errorMessage: String(value.message), stack };
  }
  if (typeof value === 'string') return { errorType: 'string', errorMessage: value };
  let message: string;
  try {
    message = JSON.stringify(value) ?? String(value);
  } catch {
    message = String(value);
  }
  return { errorType: 'Error', errorMessage: message };
}

function maxMemoryUsedMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function finish(invocation: Invocation, outcome: { result?: unknown; error?: FunctionErrorPayload }, fatal = false, then?: () => void): void {
  if (running.get(invocation.requestId) !== invocation) return;
  running.delete(invocation.requestId);
  const durationMs = performance.now() - invocation.started;
  const result: HarnessMessage = { type: 'result', requestId: invocation.requestId, ...outcome, durationMs, maxMemoryUsedMB: maxMemoryUsedMB(), fatal };
  // A fatal result leaves at once: what follows the crash may keep the event loop from turning.
  if (fatal) channel.sendNow(result, then);
  else send(result, then);
  if (!fatal) setImmediate(pump);
}

/** The instance cannot go on (an uncaught error, process.exit): every running invocation ends with `error`. */
function failRunning(error: FunctionErrorPayload, then?: () => void): boolean {
  const invocations = [...running.values()];
  invocations.forEach((invocation, index) => finish(invocation, { error }, true, index === invocations.length - 1 ? then : undefined));
  return invocations.length > 0;
}

function failFatal(error: FunctionErrorPayload): void {
  if (failRunning(error)) return;
  writeLog('error', `${error.errorType}: ${error.errorMessage}`);
  exitProcess(1);
}

function resolveHandler(moduleExports: Record<string, unknown>, exportName: string): LoadedHandler | undefined {
  const candidate = moduleExports[exportName] as Record<string, unknown> | AnyFunction | undefined;
  if (typeof candidate === 'function') {
    return { kind: exportName === 'fetch' ? 'fetch' : 'lambda', call: candidate, self: moduleExports };
  }
  if (candidate && typeof candidate.fetch === 'function') {
    return { kind: 'fetch', call: candidate.fetch as AnyFunction, self: candidate };
  }
  // DESIGN §3: a web-standard function may export `fetch` by name or as a method of its default export.
  const fallback = moduleExports.default as Record<string, unknown> | undefined;
  if (exportName === 'fetch' && fallback && typeof fallback.fetch === 'function') {
    return { kind: 'fetch', call: fallback.fetch as AnyFunction, self: fallback };
  }
  return undefined;
}

/** What an export that is no handler is, for a sentence: 'a number', 'an object with no fetch method', 'null'. */
function typeName(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object with no fetch method';
  return `${/^[aeiou]/.test(typeof value) ? 'an' : 'a'} ${typeof value}`;
}

function load(loadConfig: HarnessConfig): void {
  const started = performance.now();
  let moduleExports: Record<string, unknown>;
  try {
    moduleExports = require(loadConfig.bundleFile) as Record<string, unknown>;
  } catch (error) {
    send({ type: 'initError', error: toPayload(error) }, () => exitProcess(1));
    return;
  }
  moduleExports ??= {};
  handler = resolveHandler(moduleExports, loadConfig.handlerExport);
  if (!handler) {
    const exportName = loadConfig.handlerExport;
    const available = Object.keys(moduleExports).filter((name) => name !== '__esModule');
    const found = available.includes(exportName) ? typeName(moduleExports[exportName]) : undefined;
    const errorMessage = found ? `export '${exportName}' is ${found}, not a function` : `export '${exportName}' not found`;
    const error = { errorType: 'Runtime.HandlerNotFound', errorMessage };
    send({ type: 'initError', error, missingExport: { available, found } }, () => exitProcess(1));
    return;
  }
  // Web-standard handlers need undici's Request/Response: pay for loading them at init, not in the first invocation.
  if (handler.kind === 'fetch') void globalThis.Response;
  send({ type: 'ready', loadDurationMs: performance.now() - started, maxMemoryUsedMB: maxMemoryUsedMB() });
  pump();
}

function createContext(invocation: Invocation, settle: { resolve(value: unknown): void; reject(error: unknown): void }) {
  const loaded = config!;
  const done = (error: unknown, result?: unknown) => (error == null ? settle.resolve(result) : settle.reject(error));
  return {
    awsRequestId: invocation.requestId,
    requestId: invocation.requestId,
    functionName: loaded.functionName,
    functionVersion: loaded.functionVersion,
    memoryLimitInMB: String(loaded.memoryMB),
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${loaded.functionName}`,
    logGroupName: loaded.logGroupName,
    logStreamName: loaded.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadline - Date.now()),
    done,
    succeed: (result: unknown) => settle.resolve(result),
    fail: (error: unknown) => settle.reject(error ?? new Error('context.fail called')),
  };
}

function callLambda(loaded: LoadedHandler, event: unknown, invocation: Invocation): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const context = createContext(invocation, { resolve, reject });
    // A handler declaring (event, context, callback) is callback-style: it finishes when it calls back.
    if (loaded.call.length >= 3) {
      const returned = loaded.call.call(loaded.self, event, context, context.done) as PromiseLike<unknown> | undefined;
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    } else {
      Promise.resolve(loaded.call.call(loaded.self, event, context)).then(resolve, reject);
    }
  });
}

interface HttpEvent {
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { domainName?: string; http?: { method?: string; path?: string } };
}

/** API Gateway HTTP API v2 event → web Request; any other event is POSTed as JSON. */
function toRequest(event: unknown): Request {
  const http = event as HttpEvent | undefined;
  if (!http?.requestContext?.http) {
    return new Request('http://localhost/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event ?? null) });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(http.headers ?? {})) headers.set(name, value);
  if (http.cookies?.length) headers.set('cookie', http.cookies.join('; '));
  const host = headers.get('host') ?? http.requestContext.domainName ?? 'localhost';
  // Behind a gateway that serves the routes under a prefix (the backend's /fn), the URL the caller used has it.
  const prefix = headers.get('x-forwarded-prefix')?.replace(/\/+$/, '') ?? '';
  const path = prefix + (http.rawPath ?? http.requestContext.http.path ?? '/');
  const query = http.rawQueryString ? `?${http.rawQueryString}` : '';
  const method = (http.requestContext.http.method ?? 'GET').toUpperCase();
  const hasBody = http.body !== undefined && http.body !== null && method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? (http.isBase64Encoded ? Buffer.from(http.body!, 'base64') : http.body) : undefined;
  return new Request(`http://${host}${path}${query}`, { method, headers, body });
}

const textType = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

async function fromResponse(response: Response) {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const contentType = response.headers.get('content-type') ?? 'text/plain';
  const isBase64Encoded = !textType.test(contentType);
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length ? { cookies } : {}),
    body: isBase64Encoded ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded,
  };
}

async function callFetch(loaded: LoadedHandler, event: unknown, invocation: Invocation): Promise<unknown> {
  const context = createContext(invocation, { resolve() {}, reject() {} });
  const response = await loaded.call.call(loaded.self, toRequest(event), {}, context);
  if (!(response instanceof Response)) {
    throw new TypeError(`fetch handler returned ${typeof response}, expected a Response`);
  }
  return fromResponse(response);
}

function pump(): void {
  while (handler && running.size < config!.concurrency && pending.length) run(handler, pending.shift()!);
}

function run(loaded: LoadedHandler, message: Extract<ParentMessage, { type: 'invoke' }>): void {
  const invocation: Invocation = { requestId: message.requestId, deadline: message.deadline, started: performance.now() };
  running.set(invocation.requestId, invocation);
  const call = () => (loaded.kind === 'fetch' ? callFetch(loaded, message.event, invocation) : callLambda(loaded, message.event, invocation));
  const result = invocationContext ? invocationContext.run(invocation, call) : call();
  result.then(
    (value) => finish(invocation, { result: value }),
    (error: unknown) => finish(invocation, { error: toPayload(error) }),
  );
}

/**
 * Debug instances: the debug adapter (src/debug/session.ts) calls this in the paused isolate, with the time paused so
 * far, right before it lets the function run again or evaluates for the user while paused. The running invocations'
 * deadlines move by that much, so getRemainingTimeInMillis() leaves paused time out at once; the parent's 'deadline'
 * message, which says the same, is read only when the event loop next turns, after the code that resumes.
 */
function installPausedTimeHook(): void {
  const excludePausedTime = (pausedMs: number) => {
    for (const invocation of running.values()) invocation.deadline += pausedMs;
  };
  Object.defineProperty(globalThis, Symbol.for(pausedTimeHookKey), { value: excludePausedTime });
}

function start(startConfig: HarnessConfig): void {
  config = startConfig;
  if (startConfig.concurrency > 1) invocationContext = new AsyncLocalStorage();
  if (startConfig.inspectorPort === undefined) {
    load(startConfig);
    return;
  }
  const inspector = require('node:inspector') as typeof import('node:inspector');
  installPausedTimeHook();
  inspector.open(startConfig.inspectorPort, '127.0.0.1', false);
  // Block in the same tick: a Runtime.runIfWaitingForDebugger that arrives before waitForDebugger() is entered is
  // lost and the instance would wait forever. The IPC write of this small first message completes synchronously
  // (libuv writes at once when its queue is empty), so the parent has the URL even though this thread now blocks.
  channel.sendNow({ type: 'inspector', url: inspector.url()! });
  inspector.waitForDebugger();
  load(startConfig);
}

captureConsole();
process.exit = ((code?: number | string | null) => {
  const status = Number(code ?? process.exitCode ?? 0);
  // The parent retires the instance on a fatal result; exit only once the results are on their way.
  const error = { errorType: 'Runtime.ExitError', errorMessage: `the function called process.exit(${status})` };
  if (!failRunning(error, () => exitProcess(status))) exitProcess(status);
}) as typeof process.exit;
process.on('uncaughtException', (error) => failFatal(toPayload(error)));
process.on('unhandledRejection', (reason) => failFatal(toPayload(reason)));
process.on('disconnect', () => exitProcess(0));
process.on('message', (batch: ParentMessage[]) => {
  for (const message of batch) receive(message);
});

function receive(message: ParentMessage): void {
  switch (message.type) {
    case 'init':
      start(message.config);
      break;
    case 'invoke':
      pending.push(message);
      pump();
      break;
    case 'deadline': {
      const invocation = running.get(message.requestId);
      if (invocation) invocation.deadline = message.deadline;
      break;
    }
  }
}
