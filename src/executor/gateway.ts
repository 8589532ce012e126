// Executor layer: the local gateway (`nimbus serve`) — one process serving a manifest: HTTP routes, schedules, queues
// and buckets through any Executor, a control API under /_nimbus/, live output, and hot reload of code and manifest.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Disposable, Emitter, type Event } from '../shared/disposable';
import { listenFailure, NimbusError, toNimbusError } from '../shared/errors';
import type { InvocationResult, LogLine } from '../shared/invocation';
import { silentLogger, type Logger } from '../shared/logger';
import { functionByName, loadManifest } from '../shared/manifest';
import type { FunctionSpec, Manifest, Trigger } from '../shared/manifest/model';
import type { Executor } from './api';
import { ControlApi, isControlPath } from './gateway-control';
import { sendJson } from './gateway-http';
import { FileWatcher } from './gateway-watch';
import { httpSource, type HttpSource, type RouteDescription } from './sources/http';
import { queueSource, type DeadLetter, type QueueSource, type TopicDescription } from './sources/queue';
import { scheduleSource, type ScheduleDescription, type ScheduleSource } from './sources/schedule';
import { configureFrom, defaultSourceTiming, type ControlRoute, type EventSource, type SourceHost, type SourceTiming } from './sources/source';
import { storageSource, type BucketDescription, type StorageSource } from './sources/storage';

export const defaultGatewayPort = 7070;

export interface GatewayOptions {
  manifestPath: string;
  /** Any Executor: the local one, or one whose invoke() goes to a debug instance (serve under the debugger). */
  executor: Executor;
  logger?: Logger;
  /** Default 7070; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the gateway is for this machine only. */
  host?: string;
  timing?: Partial<SourceTiming>;
  /** Quiet time after a change of nimbus.yaml or a handler's source before it is reloaded. */
  reloadDebounceMs?: number;
}

/** One finished invocation, whichever trigger fired it. */
export interface GatewayInvocation {
  /** What fired it: `GET /users/{id}`, `queue orders`, `schedule 0 9 * * * (cron)`, `control`. */
  origin: string;
  result: InvocationResult;
}

/** An invocation the executor could not run at all (build failure, instance limit). */
export interface GatewayInvocationFailure {
  origin: string;
  functionName: string;
  error: { code: string; message: string };
}

export interface GatewayReload {
  reason: 'manifest' | 'source';
  /** Functions whose code or settings changed (their next event starts a fresh instance). */
  functions: string[];
}

export interface GatewayDescription {
  url: string;
  manifest: string;
  service: string;
  routes: (RouteDescription & { url: string })[];
  schedules: ScheduleDescription[];
  topics: TopicDescription[];
  buckets: BucketDescription[];
}

export class Gateway extends Disposable {
  private readonly logEmitter = this.register(new Emitter<LogLine>());
  /** Every log line of every invocation, live. */
  readonly onDidLog: Event<LogLine> = this.logEmitter.event;
  private readonly invocationEmitter = this.register(new Emitter<GatewayInvocation>());
  readonly onDidInvoke: Event<GatewayInvocation> = this.invocationEmitter.event;
  private readonly failureEmitter = this.register(new Emitter<GatewayInvocationFailure>());
  readonly onDidFailInvocation: Event<GatewayInvocationFailure> = this.failureEmitter.event;
  private readonly reloadEmitter = this.register(new Emitter<GatewayReload>());
  readonly onDidReload: Event<GatewayReload> = this.reloadEmitter.event;
  private readonly rejectEmitter = this.register(new Emitter<NimbusError>());
  /** nimbus.yaml changed into something invalid; the last good manifest keeps serving. */
  readonly onDidRejectManifest: Event<NimbusError> = this.rejectEmitter.event;

  private readonly executor: Executor;
  private readonly logger: Logger;
  private readonly http: HttpSource;
  private readonly schedules: ScheduleSource;
  private readonly queues: QueueSource;
  private readonly buckets: StorageSource;
  private readonly sources: EventSource<Trigger>[];
  private readonly control: ControlApi;
  private readonly manifestWatcher: FileWatcher;
  private readonly inputWatcher: FileWatcher;
  /** Function name → the source files its bundle was built from. */
  private readonly inputs = new Map<string, string[]>();
  private current?: Manifest;
  private server?: Server;
  private address?: { port: number; url: string };
  /** Reloads run one after another, never interleaved. */
  private reloads: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly options: GatewayOptions) {
    super();
    this.executor = options.executor;
    this.logger = options.logger ?? silentLogger;
    const host: SourceHost = {
      root: dirname(resolve(options.manifestPath)),
      logger: this.logger,
      timing: { ...defaultSourceTiming, ...options.timing },
      invoke: (fn, event, origin) => this.run(fn, event, origin),
    };
    this.http = this.register(httpSource.create(host));
    this.schedules = this.register(scheduleSource.create(host));
    this.queues = this.register(queueSource.create(host));
    this.buckets = this.register(storageSource.create(host));
    this.sources = [this.http, this.schedules, this.queues, this.buckets];
    this.control = this.register(new ControlApi([...this.ownControlRoutes(), ...this.sources.flatMap((source) => source.controlRoutes())]));
    const debounce = options.reloadDebounceMs ?? 50;
    this.manifestWatcher = this.register(new FileWatcher(() => this.enqueue(() => this.reloadManifest()), debounce));
    this.inputWatcher = this.register(new FileWatcher((files) => this.enqueue(() => this.reloadSources(files)), debounce));

    this.register(this.onDidLog((line) => this.control.broadcast('log', line)));
    this.register(this.onDidInvoke((invocation) => this.control.broadcast('invocation', invocation)));
    this.register(this.onDidFailInvocation((failure) => this.control.broadcast('invocation-failed', failure)));
    this.register(this.onDidReload((reload) => this.control.broadcast('reload', reload)));
    this.register(this.onDidRejectManifest((error) => this.control.broadcast('manifest-invalid', error.toJSON())));
  }

  /** Loads the manifest (it must be valid), starts every trigger and listens. */
  async start(): Promise<{ port: number; url: string }> {
    if (this.disposed) throw new NimbusError('INTERNAL', 'The gateway was stopped; create a new one.', { user: false });
    if (this.address) return this.address;
    const manifest = await loadManifest(this.options.manifestPath, { onWarning: (warning) => this.logger.warn(warning) });
    this.current = manifest;
    await this.configureSources(manifest);
    await this.bundle(manifest.functions);
    this.manifestWatcher.watch([manifest.path]);
    this.watchInputs();
    this.address = await this.listen();
    return this.address;
  }

  get manifest(): Manifest {
    if (!this.current) throw new NimbusError('INTERNAL', 'The gateway has not started; call start() first.', { user: false });
    return this.current;
  }

  describe(): GatewayDescription {
    const url = this.address?.url ?? '';
    const manifest = this.manifest;
    return {
      url,
      manifest: manifest.path,
      service: manifest.service,
      routes: this.http.describe().map((route) => ({ ...route, url: url + route.path })),
      schedules: this.schedules.describe(),
      topics: this.queues.describe(),
      buckets: this.buckets.describe(),
    };
  }

  /** Invokes a function by name with any event, as `POST /_nimbus/invoke/{function}` does. */
  invoke(functionName: string, event: unknown, origin = 'control'): Promise<InvocationResult> {
    return this.run(functionByName(this.manifest, functionName), event, origin);
  }

  fireSchedule(functionName: string, index = 0): Promise<InvocationResult> {
    return this.schedules.fireNow(functionName, index);
  }

  /** Publishes message bodies to a topic; returns their message ids. */
  publish(topic: string, bodies: string[]): string[] {
    return this.queues.publish(topic, bodies);
  }

  deadLetters(topic: string): DeadLetter[] {
    return this.queues.deadLetters(topic);
  }

  private ownControlRoutes(): ControlRoute[] {
    return [
      { method: 'GET', path: '/routes', handle: () => this.describe() },
      {
        method: 'POST',
        path: '/invoke/{function}',
        handle: (request) => this.invoke(request.pathParameters.function ?? '', request.json() ?? {}),
      },
    ];
  }

  private async run(fn: FunctionSpec, event: unknown, origin: string): Promise<InvocationResult> {
    let streamed = 0;
    try {
      const result = await this.executor.invoke(fn, event, {
        onLog: (line) => {
          streamed += 1;
          this.logEmitter.fire(line);
        },
      });
      // An executor that does not stream (a wrapper around another one) still gets its lines shown.
      if (streamed === 0) for (const line of result.logs) this.logEmitter.fire(line);
      this.invocationEmitter.fire({ origin, result });
      return result;
    } catch (error) {
      const failure = toNimbusError(error);
      this.logger.error(`${fn.name} (${origin}) did not run: ${failure.message}`);
      this.failureEmitter.fire({ origin, functionName: fn.name, error: { code: failure.code, message: failure.message } });
      throw failure;
    }
  }

  private async configureSources(manifest: Manifest): Promise<void> {
    for (const source of this.sources) await configureFrom(source, manifest);
  }

  /** Bundles ahead of the first event, so its build errors show at once and its inputs can be watched. */
  /** Bundles the functions (the executor keeps the bundles); returns the names of those that did not build. */
  private async bundle(functions: readonly FunctionSpec[]): Promise<Set<string>> {
    const failed = new Set<string>();
    await Promise.all(
      functions.map(async (fn) => {
        try {
          const info = await this.executor.bundle(fn);
          this.inputs.set(fn.name, info.inputs);
        } catch (error) {
          this.logger.error(`${fn.name} does not build: ${toNimbusError(error).message}`);
          failed.add(fn.name);
          // Watch the handler at least, so saving the fix reloads it.
          this.inputs.set(fn.name, [fn.handlerFile]);
        }
      }),
    );
    return failed;
  }

  private watchInputs(): void {
    const files = new Set<string>();
    for (const list of this.inputs.values()) {
      // Dependencies do not change while one edits a handler; watching node_modules would cost a watcher per folder.
      for (const file of list) if (!file.split(/[\\/]/).includes('node_modules')) files.add(file);
    }
    this.inputWatcher.watch(files);
  }

  private enqueue(work: () => Promise<void>): void {
    this.reloads = this.reloads.then(async () => {
      if (this.disposed) return;
      try {
        await work();
      } catch (error) {
        this.logger.error(`Reload failed: ${toNimbusError(error).message}`);
      }
    });
  }

  private async reloadManifest(): Promise<void> {
    let manifest: Manifest;
    try {
      manifest = await loadManifest(this.options.manifestPath, { onWarning: (warning) => this.logger.warn(warning) });
    } catch (error) {
      const failure = toNimbusError(error);
      // The message has every diagnostic already, one per line.
      const detail = failure.message.split('\n').map((line) => `\n  ${line}`).join('');
      this.logger.warn(`${this.options.manifestPath} is not valid; still serving the last good one:${detail}`);
      this.rejectEmitter.fire(failure);
      return;
    }
    const previous = this.manifest;
    const changed = manifest.functions.filter((fn) => {
      const before = previous.functions.find((candidate) => candidate.name === fn.name);
      return !before || settingsOf(before) !== settingsOf(fn);
    });
    const removed = previous.functions.filter((fn) => !manifest.functions.some((candidate) => candidate.name === fn.name));
    this.current = manifest;
    await this.configureSources(manifest);
    for (const fn of [...changed, ...removed]) await this.executor.invalidate(fn.name);
    for (const fn of removed) this.inputs.delete(fn.name);
    await this.bundle(changed);
    this.watchInputs();
    this.logger.info(`Reloaded ${manifest.path}.`);
    this.reloadEmitter.fire({ reason: 'manifest', functions: [...changed, ...removed].map((fn) => fn.name) });
  }

  private async reloadSources(files: string[]): Promise<void> {
    const changedFiles = new Set(files);
    const affected = this.manifest.functions.filter((fn) => this.inputs.get(fn.name)?.some((file) => changedFiles.has(file)));
    for (const fn of affected) await this.executor.invalidate(fn.name);
    const failed = await this.bundle(affected);
    this.watchInputs();
    const names = affected.map((fn) => fn.name);
    // A function that does not build was not reloaded: its error is logged, and the next save tries again.
    const reloaded = names.filter((name) => !failed.has(name));
    if (reloaded.length) this.logger.info(`Reloaded ${reloaded.join(', ')} (${files.length} file(s) changed).`);
    this.reloadEmitter.fire({ reason: 'source', functions: names });
  }

  private listen(): Promise<{ port: number; url: string }> {
    const host = this.options.host ?? '127.0.0.1';
    const port = this.options.port ?? defaultGatewayPort;
    const server = createServer((request, response) => this.route(request, response));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (error) => reject(listenFailure(error, 'The gateway', host, port)));
      server.listen(port, host, () => {
        const bound = (server.address() as AddressInfo).port;
        resolve({ port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` });
      });
    });
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const target = request.url ?? '/';
    const handling = isControlPath(target) ? this.control.handle(request, response) : this.http.handle(request, response);
    handling.catch((error: unknown) => {
      this.logger.error(`${request.method} ${target} failed inside the gateway: ${toNimbusError(error).message}`);
      if (response.headersSent) response.destroy();
      else sendJson(response, 500, { message: 'Internal Server Error' });
    });
  }

  override async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.manifestWatcher.dispose();
    this.inputWatcher.dispose();
    // A reload in progress must not configure sources after they are gone.
    await this.reloads;
    this.control.dispose();
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    await super.dispose();
  }
}

/** What, when it changes, needs a fresh instance: everything but the triggers and source positions. */
function settingsOf(fn: FunctionSpec): string {
  return JSON.stringify(fn, (key, value: unknown) => (key === 'triggers' || key === 'range' ? undefined : value));
}

