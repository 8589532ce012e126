// Debug layer: the DAP session of debug type `nimbus` (DESIGN §5). It starts a debug instance of one function
// through the executor, drives its V8 inspector over CDP and answers the client in source (TS) coordinates.
// It knows nothing of VS Code: any DAP client drives it over a pair of streams.

import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DebugSession, Event as DapEvent, InitializedEvent, StoppedEvent, TerminatedEvent, BreakpointEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DisposableStore, Emitter } from '../shared/disposable';
import { NimbusError, toNimbusError } from '../shared/errors';
import { eventTemplate } from '../shared/events';
import { formatReport, type InvocationResult, type LogLine } from '../shared/invocation';
import { createLogger, type Logger } from '../shared/logger';
import { functionByName, loadManifest, type LoadOptions } from '../shared/manifest';
import type { FunctionSpec, Manifest } from '../shared/manifest/model';
import type { DebugInstance, Executor, ExecutorOptions, InvokeOptions } from '../executor/api';
import { pausedTimeHookKey } from '../executor/protocol';
import { createExecutor } from '../executor/index';
import { Gateway } from '../executor/gateway';
import { BreakpointManager, bundleUrlRegex, logpointSupportSource } from './breakpoints';
import { CdpClient, type Protocol } from './cdp';
import { parseLaunchArguments, type NimbusLaunchArguments } from './launchArguments';
import { consoleMirrorSource, DebugConsole } from './output';
import { BundleSourceMap, normalizePath } from './sourceMaps';
import { caughtByFunction, TryBlocks } from './tryBlocks';
import { describeValue, typeOf } from './values';
import { exceptionMessage, pausedObjectGroup, VariableStore } from './variables';

/** The one thread: an instance runs one invocation at a time. */
const threadId = 1;

/** Bounds of every wait, so the adapter never hangs. */
const limits = {
  startInstanceMs: 60_000,
  connectMs: 5_000,
  configurationDoneMs: 10_000,
  loadMs: 30_000,
  disposeMs: 5_000,
};

/** How often, and how far apart, a pause request with no stop reported yet is repeated (see repeatPause). */
const pauseRepeats = 25;
const pauseRepeatMs = 200;
/** How long a function paused outside its own code runs on before the adapter pauses it again. */
const pauseRetryMs = 10;

/** What the harness installs in a debug instance to move its running invocations' deadlines by time spent paused. */
const pausedTimeHook = `globalThis[Symbol.for(${JSON.stringify(pausedTimeHookKey)})]`;

/** The id of every error response; the message is what matters to a user. */
const dapErrorId = 3000;

/** Custom request and event of Nimbus (DESIGN §5), declared once; the client sends the request, the adapter the event. */
export const nimbusInvokeRequest = 'nimbusInvoke';
export const nimbusResultEvent = 'nimbusResult';

export interface NimbusResultBody {
  requestId: string;
  result?: unknown;
  error?: { errorType: string; errorMessage: string; stack?: string[] | string };
  durationMs: number;
  initDurationMs?: number;
  billedMs: number;
  maxMemoryMB: number;
}

export interface NimbusDebugSessionOptions {
  /** Where the session's own diagnostics (and `trace: true` lines) go; stderr by default. */
  logger?: Logger;
  /** Called once everything the session started is stopped; the stdio entry exits the process here. */
  onDidShutdown?: () => void;
  /** The working directory relative launch paths resolve against. */
  cwd?: string;
  /**
   * How the function's instance runs and is bundled: the editor's settings, and its own bundler, when the extension
   * hosts the session (a bundle it started building while the handler file was open is not built twice).
   */
  executor?: Pick<ExecutorOptions, 'sandbox' | 'nodePath' | 'prices' | 'bundle'>;
  /**
   * How the manifest is read. An editor hosting the session passes the loader it already uses: its schema validator
   * is compiled, where this bundle's own would compile at the first launch (about 0.1–0.25 s).
   */
  loadManifest?: (path: string, options?: LoadOptions) => Promise<Manifest>;
}

type StopReason = 'step' | 'pause' | 'entry';

interface PreparedLaunch {
  args: NimbusLaunchArguments;
  event: unknown;
}

/** Where the function is paused; a stack frame's DAP id is its index in event.callFrames + 1. */
interface PausedState {
  event: Protocol.PausedEvent;
  reason: string;
}

export class NimbusDebugSession extends DebugSession {
  private readonly store = new DisposableStore();
  private readonly logger: Logger;
  private readonly cwd: string;
  private launchArguments?: NimbusLaunchArguments;
  private preparedLaunch?: { key: string | undefined; preparation: Promise<PreparedLaunch> };
  /** Events sent while a launch is prepared before the client's first request; sent after its response. */
  private heldEvents?: DebugProtocol.Event[];
  private spec?: FunctionSpec;
  private executor?: Executor;
  private instance?: DebugInstance;
  private cdp?: CdpClient;
  private sourceMap?: BundleSourceMap;
  private breakpoints?: BreakpointManager;
  private variables?: VariableStore;
  private bundleUrlPattern?: RegExp;
  private readonly scriptUrls = new Map<Protocol.ScriptId, string>();
  private paused?: PausedState;
  private readonly pausedEmitter = this.store.add(new Emitter<void>());
  private readonly debugConsole = new DebugConsole(
    (event) => this.sendEvent(event),
    (location) => ({ line: this.convertDebuggerLineToClient(location.line), column: this.convertDebuggerColumnToClient(location.column) }),
  );
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => (this.configurationDone = resolve));
  /** The client's exception filter; V8 pauses on every exception for 'uncaught' too, and the adapter decides. */
  private exceptionFilter: 'none' | 'uncaught' | 'all' = 'none';
  private tryBlocks?: TryBlocks;
  private expectedStop?: StopReason;
  private entryBreakpointId?: Protocol.BreakpointId;
  /** Steps taken in a row through bundler glue (code from no source) looking for the next user line. */
  private glueSteps = 0;
  /** Debugger.paused events so far, to tell whether a pause request took effect. */
  private pausedEvents = 0;
  /** Since when (performance.now()) the function is paused and the harness has not yet left that time out. */
  private pausedSince?: number;
  private shuttingDown = false;
  private shutdownPromise?: Promise<void>;

  constructor(private readonly options: NimbusDebugSessionOptions = {}) {
    super();
    this.logger = options.logger ?? createLogger({ prefix: 'nimbus debug' });
    this.cwd = options.cwd ?? process.cwd();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsTerminateRequest: true,
      supportsExceptionInfoRequest: true,
      supportsDelayedStackTraceLoading: true,
      supportsCompletionsRequest: true,
      exceptionBreakpointFilters: [
        { filter: 'all', label: 'Caught Exceptions', description: 'Stop on every exception thrown, even if the function catches it.', default: false },
        { filter: 'uncaught', label: 'Uncaught Exceptions', description: 'Stop on exceptions that escape the handler.', default: false },
      ],
    };
    this.sendResponse(response);
  }

  /**
   * Starts a launch before its request arrives. An editor that hosts the session knows the launch configuration when
   * it creates the session, so the function's instance starts while the editor lays out its debug views (about
   * 200 ms on a window's first session) instead of after.
   */
  prepareLaunch(configuration: Record<string, unknown>): void {
    // The editor starts listening once it has the session: what preparing says before that waits for its first request.
    this.heldEvents ??= [];
    const preparation = this.prepareInstance(configuration);
    // The launch request reports a failure.
    preparation.catch(() => undefined);
    this.preparedLaunch = { key: this.launchKey(configuration), preparation };
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, raw: DebugProtocol.LaunchRequestArguments): Promise<void> {
    try {
      const { args, event } = await this.preparation(raw as Record<string, unknown>);
      this.sendEvent(new InitializedEvent());
      await this.waitForConfiguration();
      await this.release();
      if (args.serve) await this.serve(args);
      this.sendResponse(response);
      if (!args.serve) void this.invokeAndReport(event);
    } catch (error) {
      this.fail(response, error);
      await this.disposeAll();
    }
  }

  /** The launch prepared when the session was created, or a new one. */
  private preparation(raw: Record<string, unknown>): Promise<PreparedLaunch> {
    const prepared = this.preparedLaunch;
    this.preparedLaunch = undefined;
    if (!prepared) return this.prepareInstance(raw);
    if (prepared.key !== this.launchKey(raw)) {
      return Promise.reject(
        new NimbusError('INTERNAL', 'The launch request differs from the configuration this debug session was created with; start the session again.', { user: false }),
      );
    }
    return prepared.preparation;
  }

  /** What decides a launch: the parsed arguments (absent when they do not parse; preparing then failed alike). */
  private launchKey(raw: Record<string, unknown>): string | undefined {
    try {
      return JSON.stringify(parseLaunchArguments(raw, this.cwd));
    } catch {
      return undefined;
    }
  }

  /** Everything of a launch up to the function's instance waiting for its debugger. */
  private async prepareInstance(raw: Record<string, unknown>): Promise<PreparedLaunch> {
    const args = parseLaunchArguments(raw, this.cwd);
    this.launchArguments = args;
    // Another function's half-written handler does not keep this one from being debugged (it is served too with serve).
    const manifest = await (this.options.loadManifest ?? loadManifest)(args.manifest, {
      onWarning: (warning) => this.output('console', `warning: ${warning}\n`),
      ...(args.function !== undefined && !args.serve ? { only: [args.function] } : {}),
    });
    if (args.function === undefined && manifest.functions.length !== 1) {
      throw new NimbusError('USAGE', `Invalid launch configuration: "function" is required because ${manifest.path} has ${manifest.functions.length} functions; name the one to debug.`);
    }
    const spec = args.function === undefined ? manifest.functions[0]! : functionByName(manifest, args.function);
    this.spec = spec;
    const event = args.serve ? undefined : await this.launchEvent(args, spec);
    await this.startInstance(spec, join(manifest.root, '.nimbus', 'cache'));
    return { args, event };
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.sendResponse(response);
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    await this.disposeAll();
    this.sendResponse(response);
    this.shutdown();
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.disposeAll();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  /** Stops everything, then lets the host exit (the base class would exit the process right away). */
  override shutdown(): void {
    void this.disposeAll().finally(() => this.options.onDidShutdown?.());
  }

  /** An editor that runs the session inline (in its own process) disposes it when the session ends. */
  override dispose(): void {
    void this.disposeAll();
  }

  /** Kills the instance and closes every connection; safe to call many times. */
  disposeAll(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.shuttingDown = true;
      this.debugConsole.close();
      this.configurationDone();
      await withTimeout(this.store.dispose(), limits.disposeMs, 'stopping the debug session').catch((error: unknown) =>
        this.logger.warn('stopping the debug session failed', { error: String(error) }),
      );
    })();
    return this.shutdownPromise;
  }

  private async launchEvent(args: NimbusLaunchArguments, spec: FunctionSpec): Promise<unknown> {
    if (args.event !== undefined) return args.event;
    if (args.eventFile) {
      let text: string;
      try {
        text = await readFile(args.eventFile, 'utf8');
      } catch {
        throw new NimbusError('EVENT_INVALID', `The event file ${args.eventFile} does not exist or cannot be read; fix "eventFile" in the launch configuration.`);
      }
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new NimbusError('EVENT_INVALID', `The event file ${args.eventFile} is not valid JSON (${(error as Error).message}); fix it and launch again.`);
      }
    }
    const trigger = args.trigger ?? spec.triggers[0]?.type;
    if (args.trigger && !spec.triggers.some((candidate) => candidate.type === args.trigger)) {
      const has = spec.triggers.length ? `its triggers are ${[...new Set(spec.triggers.map((candidate) => candidate.type))].join(', ')}` : 'it has no triggers';
      this.output('console', `note: ${spec.name} has no ${args.trigger} trigger (${has}); it gets the ${args.trigger} template event anyway.\n`);
    }
    return trigger ? eventTemplate(spec, trigger) : {};
  }

  private async startInstance(spec: FunctionSpec, cacheDir: string): Promise<void> {
    const trace = this.launchArguments!.trace;
    const executor = createExecutor({ ...this.options.executor, cacheDir, logger: this.consoleLogger() });
    this.executor = executor;
    this.store.add(executor);
    const instance = await withTimeout(executor.startDebugInstance(spec), limits.startInstanceMs, `starting ${spec.name} under the debugger`);
    this.instance = instance;
    this.store.add(instance);
    this.store.add(
      instance.onDidExit(({ code, signal, reason }) => {
        if (this.shuttingDown) return;
        this.output('console', reason ? `The function's process has ended: ${reason}.\n` : `The function's process exited (${signal ? `signal ${signal}` : `code ${code}`}).\n`);
        this.debugConsole.event(new TerminatedEvent());
        void this.debugConsole.drained().then(() => this.disposeAll());
      }),
    );
    this.sourceMap = new BundleSourceMap(instance.bundle.sourceMapFile);
    this.bundleUrlPattern = new RegExp(bundleUrlRegex(instance.bundle.file));
    const cdp = await CdpClient.connect(instance.inspectorUrl, {
      timeoutMs: limits.connectMs,
      trace: trace ? (tag, message) => this.logger.info(`cdp ${tag} ${JSON.stringify(message)}`) : undefined,
    });
    this.cdp = cdp;
    this.store.add(cdp);
    this.variables = new VariableStore(cdp);
    this.breakpoints = new BreakpointManager(cdp, this.sourceMap, instance.bundle.file, (scriptId) => this.isBundleScript(scriptId));
    this.store.add(cdp.api.Debugger.onScriptParsed((script) => this.scriptUrls.set(script.scriptId, script.url)));
    this.store.add(cdp.api.Debugger.onPaused((paused) => void this.handlePaused(paused).catch((error: unknown) => this.reportInternal(error))));
    this.store.add(cdp.api.Debugger.onResumed(() => this.handleResumed()));
    this.store.add(cdp.api.Runtime.onConsoleAPICalled((call) => this.locateConsoleCall(call)));
    this.store.add(
      cdp.api.Debugger.onBreakpointResolved(({ breakpointId, location }) => {
        const record = this.breakpoints?.resolved(breakpointId, location);
        if (record) this.sendEvent(new BreakpointEvent('changed', { id: record.id, verified: true, line: this.convertDebuggerLineToClient(record.line) }));
      }),
    );
    await Promise.all([cdp.api.Runtime.enable(), cdp.api.Debugger.enable({})]);
    await Promise.all([
      cdp.api.Runtime.evaluate({ expression: consoleMirrorSource, silent: true }),
      cdp.api.Runtime.evaluate({ expression: logpointSupportSource, silent: true }),
      cdp.api.Debugger.setAsyncCallStackDepth({ maxDepth: 32 }),
      cdp.api.Debugger.setPauseOnExceptions({ state: this.pauseOnExceptionsState() }),
      // "Just my code": V8 steps over the harness and Node's internals instead of stopping in them.
      this.launchArguments!.justMyCode ? cdp.api.Debugger.setBlackboxPatterns({ patterns: ['^node:', harnessPattern(instance.bundle.file)] }) : Promise.resolve({}),
    ]);
  }

  private async waitForConfiguration(): Promise<void> {
    // A client that never sends configurationDone still gets its function run, only without the guarantee.
    await Promise.race([this.configured, delay(limits.configurationDoneMs)]);
    if (this.shuttingDown) throw new NimbusError('DEBUG_ATTACH_FAILED', 'The debug session was stopped while starting.');
  }

  /** Lets the harness load the bundle (breakpoints are bound by now) and waits until it loaded or paused. */
  private async release(): Promise<void> {
    const cdp = this.cdp!;
    if (this.launchArguments!.stopOnEntry) {
      const entry = this.sourceMap!.generatedFor(this.spec!.handlerFile, 1);
      if (entry) {
        const result = await cdp.api.Debugger.setBreakpointByUrl({ urlRegex: bundleUrlRegex(this.instance!.bundle.file), lineNumber: entry.line - 1, columnNumber: entry.column - 1 });
        this.entryBreakpointId = result.breakpointId;
      }
    }
    await cdp.api.Runtime.runIfWaitingForDebugger();
    let pausedListener: { dispose(): void } | undefined;
    const pausedFirst = new Promise<void>((resolve) => (pausedListener = this.pausedEmitter.event(() => resolve())));
    try {
      await withTimeout(Promise.race([this.instance!.ready, pausedFirst]), limits.loadMs, `loading ${this.spec!.name}`);
    } finally {
      pausedListener?.dispose();
    }
  }

  private async serve(args: NimbusLaunchArguments): Promise<void> {
    const gateway = new Gateway({ manifestPath: args.manifest, executor: this.debuggingExecutor(), logger: this.logger, port: args.port ?? 0 });
    this.store.add(gateway);
    this.store.add(gateway.onDidLog((line) => this.outputLog(line)));
    this.store.add(gateway.onDidInvoke(({ origin, result }) => this.reportResult(result, origin)));
    this.store.add(gateway.onDidFailInvocation(({ origin, error }) => this.output('stderr', `${origin}: ${error.message}\n`)));
    const { url } = await gateway.start();
    this.output('console', `Serving ${args.manifest} at ${url}; events that reach ${this.spec!.name} stop at its breakpoints.\n`);
    this.sendEvent(new DapEvent('nimbusServe', { url }));
  }

  /** The executor the gateway uses: the debugged function goes to the debug instance, every other to the real one. */
  private debuggingExecutor(): Executor {
    const executor = this.executor!;
    return {
      invoke: (fn, event, options) => (fn.name === this.spec!.name ? this.invokeInstance(event, options) : executor.invoke(fn, event, options)),
      startDebugInstance: (fn, options) => executor.startDebugInstance(fn, options),
      bundle: (fn) => executor.bundle(fn),
      invalidate: (name) => executor.invalidate(name),
      stats: () => executor.stats(),
      onDidChangeInstances: executor.onDidChangeInstances,
      // The session owns the real executor and disposes it itself.
      dispose: () => undefined,
    };
  }

  private async invokeInstance(event: unknown, options?: InvokeOptions): Promise<InvocationResult> {
    const instance = this.instance;
    if (!instance) throw new NimbusError('DEBUG_ATTACH_FAILED', 'No function is running under the debugger; launch a debug session first.');
    await instance.ready;
    return instance.invoke(event, options);
  }

  /**
   * Runs the launch's event through the instance, streaming its logs, then shows the result and the REPORT line. The
   * launch was answered before the event runs, so an event that cannot run is told in the console and in nimbusResult.
   */
  private async invokeAndReport(event: unknown): Promise<void> {
    try {
      this.reportResult(await this.invokeInstance(event, { onLog: (line) => this.outputLog(line) }));
    } catch (error) {
      const nimbusError = toNimbusError(error);
      if (!this.shuttingDown) this.output('stderr', `${nimbusError.message}\n`);
      const body: NimbusResultBody = { requestId: '', error: { errorType: nimbusError.code, errorMessage: nimbusError.message }, durationMs: 0, billedMs: 0, maxMemoryMB: 0 };
      this.debugConsole.event(new DapEvent(nimbusResultEvent, body));
    }
  }

  private reportResult(result: InvocationResult, origin?: string): NimbusResultBody {
    const prefix = origin ? `${origin} → ${result.functionName}: ` : '';
    if (result.error) {
      const stack = Array.isArray(result.error.stack) ? result.error.stack.join('\n') : (result.error.stack ?? '');
      this.output('stderr', `${prefix}${result.error.errorType}: ${result.error.errorMessage}\n${stack && !stack.startsWith(result.error.errorType) ? stack + '\n' : ''}`);
    } else {
      this.output('console', `${prefix}${result.result === undefined ? 'undefined' : JSON.stringify(result.result, null, 2)}\n`);
    }
    this.output('console', formatReport(result.report) + '\n');
    const body: NimbusResultBody = {
      requestId: result.requestId,
      ...(result.error ? { error: result.error } : { result: result.result }),
      durationMs: result.report.durationMs,
      initDurationMs: result.report.initDurationMs,
      billedMs: result.report.billedMs,
      maxMemoryMB: result.report.maxMemoryUsedMB,
    };
    this.debugConsole.event(new DapEvent(nimbusResultEvent, body));
    return body;
  }

  protected override async customRequest(command: string, response: DebugProtocol.Response, args: { event?: unknown } | undefined): Promise<void> {
    if (command !== nimbusInvokeRequest) {
      this.fail(response, new NimbusError('USAGE', `Unknown request "${command}"; the Nimbus adapter adds only "${nimbusInvokeRequest}".`));
      return;
    }
    if (!this.instance) {
      this.fail(response, new NimbusError('DEBUG_ATTACH_FAILED', 'No function is running under the debugger; launch a debug session first.'));
      return;
    }
    // An event that never ran (the function's process is gone) fails the request saying why, with no nimbusResult.
    await this.respond(response, async () => this.reportResult(await this.invokeInstance(args?.event ?? {}, { onLog: (line) => this.outputLog(line) })));
  }

  // ---- breakpoints ---------------------------------------------------------------------------------------------

  protected override async setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): Promise<void> {
    await this.respond(response, async () => {
      const path = args.source.path;
      const requested = (args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }))).map((breakpoint) => ({ ...breakpoint, line: this.convertClientLineToDebugger(breakpoint.line) }));
      if (!path || !this.breakpoints) {
        return { breakpoints: requested.map(() => ({ verified: false, message: 'Launch a Nimbus function to bind breakpoints.' })) };
      }
      const records = await this.breakpoints.setForSource(path, requested);
      return {
        breakpoints: records.map((record) => ({
          id: record.id,
          verified: record.verified,
          line: this.convertDebuggerLineToClient(record.line),
          message: record.message,
          source: { path: record.path, name: basename(record.path) },
        })),
      };
    });
  }

  protected override async setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): Promise<void> {
    this.exceptionFilter = args.filters.includes('all') ? 'all' : args.filters.includes('uncaught') ? 'uncaught' : 'none';
    await this.respond(response, async () => {
      if (this.cdp) await this.cdp.api.Debugger.setPauseOnExceptions({ state: this.pauseOnExceptionsState() });
      return undefined;
    });
  }

  private pauseOnExceptionsState(): 'none' | 'all' {
    return this.exceptionFilter === 'none' ? 'none' : 'all';
  }

  /**
   * With "just my code", an exception pause outside the bundle is not the user's: Node re-reporting a rejection the
   * user already saw thrown (in processTicksAndRejections), or the harness at work.
   */
  private isOutsideMyCode(frame: Protocol.CallFrame | undefined): boolean {
    return (this.launchArguments?.justMyCode ?? true) && frame !== undefined && !this.isBundleScript(frame.location.scriptId);
  }

  /**
   * With "Uncaught Exceptions" only, whether to pass over an exception: V8 says it is caught (after an `await` it
   * always does, as the harness awaits the handler) and a try block of the function's own code is around it.
   */
  private async isCaughtByFunction(event: Protocol.PausedEvent): Promise<boolean> {
    if (this.exceptionFilter !== 'uncaught' || (event.data as { uncaught?: boolean } | undefined)?.uncaught) return false;
    this.tryBlocks ??= new TryBlocks(await readFile(this.instance!.bundle.file, 'utf8'));
    return caughtByFunction(event, (scriptId) => this.isBundleScript(scriptId), this.tryBlocks);
  }

  // ---- execution control ---------------------------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [{ id: threadId, name: this.spec?.name ?? 'function' }] };
    this.sendResponse(response);
  }

  protected override async continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    await this.respond(response, async () => {
      this.expectedStop = undefined;
      await this.run(this.requireCdp(), 'resume');
      return { allThreadsContinued: true };
    });
  }

  protected override async nextRequest(response: DebugProtocol.NextResponse): Promise<void> {
    await this.step(response, 'stepOver');
  }

  protected override async stepInRequest(response: DebugProtocol.StepInResponse): Promise<void> {
    await this.step(response, 'stepInto');
  }

  protected override async stepOutRequest(response: DebugProtocol.StepOutResponse): Promise<void> {
    await this.step(response, 'stepOut');
  }

  protected override async pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    await this.respond(response, async () => {
      this.expectedStop = 'pause';
      this.glueSteps = 0;
      const cdp = this.requireCdp();
      await cdp.api.Debugger.pause();
      void this.repeatPause(cdp, this.pausedEvents);
      return undefined;
    });
  }

  /**
   * Asks again, a few times, while no stop has been reported. A pause asked for while the instance is idle only takes
   * effect once code runs, and one that lands in Node's own code is moved on by moveOnToUserCode; this is the safety
   * net for a request that is lost on the way (traces showed none, but a pause button that does nothing is worse
   * than a repeated request, which costs nothing once the function has stopped).
   */
  private async repeatPause(cdp: CdpClient, pausedEventsBefore: number): Promise<void> {
    for (let attempt = 0; attempt < pauseRepeats; attempt++) {
      await delay(pauseRepeatMs);
      if (this.pausedEvents !== pausedEventsBefore || this.expectedStop !== 'pause' || cdp.isClosed || this.shuttingDown) return;
      await cdp.api.Debugger.pause().catch(() => undefined);
    }
  }

  private async step(response: DebugProtocol.Response, kind: 'stepOver' | 'stepInto' | 'stepOut'): Promise<void> {
    await this.respond(response, async () => {
      this.expectedStop = 'step';
      this.glueSteps = 0;
      await this.run(this.requireCdp(), kind);
      return undefined;
    });
  }

  /** Every command that lets the paused function run goes through here, so paused time never counts against it. */
  private run(cdp: CdpClient, command: 'resume' | 'stepOver' | 'stepInto' | 'stepOut'): Promise<unknown> {
    this.excludePausedTime(cdp);
    return cdp.api.Debugger[command]({});
  }

  /**
   * Has the harness move the running invocation's deadline by the time paused so far, so that
   * getRemainingTimeInMillis() leaves it out as soon as the function runs again (or when the user evaluates while
   * paused). Sent without waiting, right before the command that resumes or evaluates: CDP handles commands in
   * order, so the hook has run when the function does, and stepping gets no slower. The executor's own clock (the
   * timeout, the duration) keeps its own account through setPaused.
   */
  private excludePausedTime(cdp: CdpClient): void {
    if (this.pausedSince === undefined) return;
    const now = performance.now();
    const pausedMs = now - this.pausedSince;
    this.pausedSince = now;
    void cdp.api.Runtime.evaluate({ expression: `${pausedTimeHook}?.(${pausedMs})`, silent: true }).catch(() => undefined);
  }

  private async handlePaused(event: Protocol.PausedEvent): Promise<void> {
    this.pausedEvents++;
    this.pausedSince = performance.now();
    this.instance?.setPaused(true);
    const cdp = this.requireCdp();
    const hit = this.breakpoints?.recordsFor(event.hitBreakpoints ?? []) ?? [];
    let reason: string;
    let description: string | undefined;
    let text: string | undefined;
    if (this.entryBreakpointId && event.hitBreakpoints?.includes(this.entryBreakpointId)) {
      void cdp.api.Debugger.removeBreakpoint({ breakpointId: this.entryBreakpointId });
      this.entryBreakpointId = undefined;
      reason = 'entry';
    } else if (event.reason === 'exception' || event.reason === 'promiseRejection') {
      if (this.isOutsideMyCode(event.callFrames[0]) || (await this.isCaughtByFunction(event))) {
        await this.run(cdp, 'resume');
        return;
      }
      reason = 'exception';
      const thrown = event.data as Protocol.RemoteObject | undefined;
      text = thrown ? describeException(thrown) : undefined;
      description = `Paused on exception: ${text ?? ''}`;
    } else if (hit.length && this.breakpoints!.countHits(hit)) {
      reason = 'breakpoint';
    } else if (hit.length && !this.expectedStop) {
      // Hit counts are the adapter's: V8 pauses on every hit, and the ones that don't count yet resume at once.
      await this.run(cdp, 'resume');
      return;
    } else if (this.expectedStop) {
      reason = this.expectedStop;
      if ((reason === 'step' || reason === 'pause') && this.shouldStepOn(event.callFrames[0]) && this.glueSteps++ < 50) {
        await this.moveOnToUserCode(cdp, reason, event.callFrames);
        return;
      }
    } else {
      reason = event.reason === 'other' ? 'breakpoint' : event.reason;
      description = event.reason === 'other' ? 'Paused on debugger statement' : undefined;
    }
    this.expectedStop = undefined;
    this.paused = { event, reason };
    this.pausedEmitter.fire();
    const stopped = new StoppedEvent(reason, threadId, text) as DebugProtocol.StoppedEvent;
    stopped.body.allThreadsStopped = true;
    if (description) stopped.body.description = description;
    if (reason === 'breakpoint' && hit.length) stopped.body.hitBreakpointIds = hit.map((record) => record.id);
    this.sendEvent(stopped);
  }

  /**
   * A step that landed in bundler glue (esbuild's module wrappers), or a pause that caught Node or the harness: go on
   * to the user's next line. V8 steps through Node's internals statement by statement even though they are
   * blackboxed, so a pause backs out to user code that is on the stack (Node's promise hooks as an async handler
   * starts), and with none there (the harness receiving an event, or idle between invocations) lets the function
   * run a moment and pauses again.
   */
  private async moveOnToUserCode(cdp: CdpClient, reason: 'step' | 'pause', callFrames: Protocol.CallFrame[]): Promise<void> {
    if (reason === 'step') {
      await this.run(cdp, 'stepInto');
    } else if (callFrames.slice(1).some((frame) => !this.shouldStepOn(frame))) {
      await this.run(cdp, 'stepOut');
    } else {
      await this.run(cdp, 'resume');
      await delay(pauseRetryMs);
      if (this.expectedStop === 'pause' && !this.paused && !cdp.isClosed && !this.shuttingDown) await cdp.api.Debugger.pause().catch(() => undefined);
    }
  }

  private handleResumed(): void {
    this.pausedSince = undefined;
    this.instance?.setPaused(false);
    this.paused = undefined;
    this.variables?.clear();
    if (this.cdp && !this.cdp.isClosed) void this.cdp.api.Runtime.releaseObjectGroup({ objectGroup: pausedObjectGroup }).catch(() => undefined);
  }

  // ---- inspection ----------------------------------------------------------------------------------------------

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const frames = this.visibleFrames();
    const start = args.startFrame ?? 0;
    const end = args.levels ? start + args.levels : frames.length;
    response.body = { stackFrames: frames.slice(start, end), totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const frame = this.frameOf(args.frameId);
    if (!frame || !this.variables) {
      // Not shown to the user: the editor asks for a frame's scopes while a step or continue is already under way.
      this.fail(response, new NimbusError('USAGE', 'That stack frame is gone: the function is no longer paused there.'), { showUser: false });
      return;
    }
    response.body = { scopes: this.variables.scopesOf(frame, (scope) => this.isModuleScope(scope)) };
    this.sendResponse(response);
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    await this.respond(response, async () => ({ variables: (await this.variables?.variables(args.variablesReference, args.start, args.count)) ?? [] }));
  }

  protected override async setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): Promise<void> {
    await this.respond(response, async () => {
      if (!this.variables || !this.paused) throw new NimbusError('USAGE', 'Variables can be changed only while the function is paused.');
      return this.variables.setVariable(args.variablesReference, args.name, args.value, this.paused.event.callFrames[0]?.callFrameId);
    });
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    await this.respond(response, async () => {
      const cdp = this.requireCdp();
      const frame = args.frameId !== undefined ? this.frameOf(args.frameId) : this.paused?.event.callFrames[0];
      const repl = args.context === 'repl';
      if (frame) this.excludePausedTime(cdp);
      const common = { expression: args.expression, objectGroup: pausedObjectGroup, generatePreview: true, includeCommandLineAPI: repl, silent: !repl };
      const evaluated = frame
        ? await cdp.api.Debugger.evaluateOnCallFrame({ ...common, callFrameId: frame.callFrameId, throwOnSideEffect: args.context === 'hover' })
        : await cdp.api.Runtime.evaluate(common);
      if (evaluated.exceptionDetails) throw new NimbusError('USAGE', exceptionMessage(evaluated));
      const value = evaluated.result;
      return { result: describeValue(value), type: typeOf(value), variablesReference: this.variables!.referenceFor(value, args.expression) };
    });
  }

  protected override async completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): Promise<void> {
    await this.respond(response, async () => {
      const cdp = this.requireCdp();
      const before = args.text.slice(0, this.convertClientColumnToDebugger(args.column) - 1);
      const [, objectExpression, partial = ''] = /(?:([\w$.]+)\.)?([\w$]*)$/.exec(before) ?? [];
      const frame = args.frameId !== undefined ? this.frameOf(args.frameId) : this.paused?.event.callFrames[0];
      const names = objectExpression ? await this.propertyNames(cdp, objectExpression, frame) : await this.scopeNames(cdp, frame);
      const type = objectExpression ? 'property' : 'variable';
      const targets = [...new Set(names)].filter((name) => name.startsWith(partial) && /^[A-Za-z_$][\w$]*$/.test(name)).sort();
      return { targets: targets.map((label) => ({ label, type, start: this.convertDebuggerColumnToClient(before.length - partial.length + 1), length: partial.length })) };
    });
  }

  /** Own and inherited property names of what `expression` evaluates to (without side effects), for completions. */
  private async propertyNames(cdp: CdpClient, expression: string, frame: Protocol.CallFrame | undefined): Promise<string[]> {
    const common = { expression, objectGroup: pausedObjectGroup, silent: true };
    const evaluated = frame
      ? await cdp.api.Debugger.evaluateOnCallFrame({ ...common, callFrameId: frame.callFrameId, throwOnSideEffect: true })
      : await cdp.api.Runtime.evaluate(common);
    if (evaluated.exceptionDetails || !evaluated.result.objectId) return [];
    const listed = await cdp.api.Runtime.callFunctionOn({
      objectId: evaluated.result.objectId,
      functionDeclaration: 'function () { const names = []; for (let o = this; o; o = Object.getPrototypeOf(o)) names.push(...Object.getOwnPropertyNames(o)); return names; }',
      returnByValue: true,
      silent: true,
    });
    return Array.isArray(listed.result.value) ? (listed.result.value as string[]) : [];
  }

  /** Variables in scope at a frame (or globals when running), for completions. */
  private async scopeNames(cdp: CdpClient, frame: Protocol.CallFrame | undefined): Promise<string[]> {
    const names: string[] = [];
    for (const scope of frame?.scopeChain ?? []) {
      if (scope.type === 'global' || !scope.object.objectId) continue;
      const { result } = await cdp.api.Runtime.getProperties({ objectId: scope.object.objectId, ownProperties: true });
      names.push(...result.map((property) => property.name));
    }
    const [lexical, globals] = await Promise.all([
      cdp.api.Runtime.globalLexicalScopeNames(),
      cdp.api.Runtime.evaluate({ expression: 'Object.getOwnPropertyNames(globalThis)', returnByValue: true, silent: true }),
    ]);
    names.push(...lexical.names, ...(Array.isArray(globals.result.value) ? (globals.result.value as string[]) : []));
    return names;
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const thrown = this.paused?.reason === 'exception' ? (this.paused.event.data as Protocol.RemoteObject | undefined) : undefined;
    if (!thrown) {
      this.fail(response, new NimbusError('USAGE', 'The function is not paused on an exception.'));
      return;
    }
    const description = thrown.description ?? String(thrown.value);
    response.body = {
      exceptionId: thrown.className ?? thrown.type,
      description: describeException(thrown),
      breakMode: this.exceptionFilter === 'all' ? 'always' : 'unhandled',
      details: { message: describeException(thrown), typeName: thrown.className, stackTrace: description },
    };
    this.sendResponse(response);
  }

  private visibleFrames(): DebugProtocol.StackFrame[] {
    const callFrames = this.paused?.event.callFrames ?? [];
    const justMyCode = this.launchArguments?.justMyCode ?? true;
    const frames: DebugProtocol.StackFrame[] = [];
    callFrames.forEach((frame, index) => {
      const mapped = this.toStackFrame(frame, index + 1);
      if (mapped.presentationHint === 'subtle' && justMyCode && index > 0) return;
      frames.push(mapped);
    });
    return frames;
  }

  private toStackFrame(frame: Protocol.CallFrame, id: number): DebugProtocol.StackFrame {
    const name = frame.functionName || '(anonymous)';
    const { lineNumber, columnNumber = 0 } = frame.location;
    if (this.isBundleScript(frame.location.scriptId)) {
      const original = this.sourceMap!.originalFor(lineNumber + 1, columnNumber + 1);
      if (original) {
        const dependency = original.path.includes('/node_modules/');
        return {
          id,
          name,
          line: this.convertDebuggerLineToClient(original.line),
          column: this.convertDebuggerColumnToClient(original.column),
          source: { name: basename(original.path), path: original.path, presentationHint: dependency ? 'deemphasize' : undefined },
          presentationHint: dependency ? 'subtle' : 'normal',
        };
      }
      const bundle = this.instance!.bundle.file;
      return { id, name, line: this.convertDebuggerLineToClient(lineNumber + 1), column: this.convertDebuggerColumnToClient(columnNumber + 1), source: { name: basename(bundle), path: bundle, presentationHint: 'deemphasize' }, presentationHint: 'subtle' };
    }
    const url = this.scriptUrls.get(frame.location.scriptId) ?? frame.url;
    const path = url.startsWith('file://') ? normalizePath(url) : undefined;
    return {
      id,
      name,
      line: this.convertDebuggerLineToClient(lineNumber + 1),
      column: this.convertDebuggerColumnToClient(columnNumber + 1),
      source: { name: path ? basename(path) : url || '(internal)', path, presentationHint: 'deemphasize' },
      presentationHint: 'subtle',
    };
  }

  private frameOf(frameId: number): Protocol.CallFrame | undefined {
    return this.paused?.event.callFrames[frameId - 1];
  }

  private isBundleScript(scriptId: Protocol.ScriptId): boolean {
    const url = this.scriptUrls.get(scriptId);
    return url !== undefined && this.bundleUrlPattern !== undefined && this.bundleUrlPattern.test(url);
  }

  /**
   * Whether a stop in this frame is no place to show the user: bundle code from no source (esbuild's module wrappers
   * and helpers), or, with "just my code", anything outside the bundle.
   */
  private shouldStepOn(frame: Protocol.CallFrame | undefined): boolean {
    if (!frame) return false;
    if (!this.isBundleScript(frame.location.scriptId)) return this.launchArguments?.justMyCode ?? true;
    return this.sourceMap!.originalFor(frame.location.lineNumber + 1, (frame.location.columnNumber ?? 0) + 1) === undefined;
  }

  /** The bundle's top-level closure: what the user sees as their modules' variables. */
  private isModuleScope(scope: Protocol.Scope): boolean {
    return (
      (scope.type === 'closure' || scope.type === 'local') &&
      scope.startLocation !== undefined &&
      this.isBundleScript(scope.startLocation.scriptId) &&
      scope.startLocation.lineNumber === 0 &&
      (scope.startLocation.columnNumber ?? 0) === 0
    );
  }

  // ---- output ---------------------------------------------------------------------------------------------------

  /** The session's logger, with warnings and errors also shown in the Debug Console where the user looks. */
  private consoleLogger(): Logger {
    const { logger } = this;
    return {
      debug: (message, fields) => logger.debug(message, fields),
      info: (message, fields) => logger.info(message, fields),
      warn: (message, fields) => {
        logger.warn(message, fields);
        this.output('console', `Nimbus: ${message}\n`);
      },
      error: (message, fields) => {
        logger.error(message, fields);
        this.output('stderr', `Nimbus: ${message}\n`);
      },
    };
  }

  private outputLog(line: LogLine): void {
    this.debugConsole.log(line);
  }

  private output(category: 'console' | 'stdout' | 'stderr', text: string): void {
    this.debugConsole.write(category, text);
  }

  /** Where the function wrote a console line: the first frame of the mirrored call that is in the bundle. */
  private locateConsoleCall(call: Protocol.ConsoleAPICalledEvent): void {
    const text = call.args[0]?.value;
    if (typeof text !== 'string' || !this.sourceMap) return;
    const frame = call.stackTrace?.callFrames.find((candidate) => this.isBundleScript(candidate.scriptId));
    this.debugConsole.located(text, frame && this.sourceMap.originalFor(frame.lineNumber + 1, frame.columnNumber + 1));
  }

  // ---- plumbing -------------------------------------------------------------------------------------------------

  override sendResponse(response: DebugProtocol.Response): void {
    if (this.launchArguments?.trace) this.logger.info(`dap response ${JSON.stringify(response)}`);
    super.sendResponse(response);
  }

  override sendEvent(event: DebugProtocol.Event): void {
    if (this.heldEvents) {
      this.heldEvents.push(event);
      return;
    }
    if (this.launchArguments?.trace) this.logger.info(`dap event ${JSON.stringify(event)}`);
    super.sendEvent(event);
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    // DAP's pathFormat defaults to 'path', but the base class rejects a client that leaves it out.
    if (request.command === 'initialize') request.arguments = { pathFormat: 'path', ...(request.arguments as object | undefined) };
    if (this.launchArguments?.trace || (request.command === 'launch' && (request.arguments as { trace?: unknown } | undefined)?.trace === true)) {
      this.logger.info(`dap request ${JSON.stringify(request)}`);
    }
    super.dispatchRequest(request);
    const held = this.heldEvents;
    this.heldEvents = undefined;
    for (const event of held ?? []) this.sendEvent(event);
  }

  private requireCdp(): CdpClient {
    if (!this.cdp || this.cdp.isClosed) throw new NimbusError('DEBUG_ATTACH_FAILED', 'The function is not running under the debugger (it exited or was never launched).');
    return this.cdp;
  }

  /** Runs a request's work; its result becomes the body, a throw becomes an error response. */
  private async respond<Body>(response: DebugProtocol.Response, work: () => Promise<Body>): Promise<void> {
    try {
      const body = await work();
      if (body !== undefined) response.body = body;
      this.sendResponse(response);
    } catch (error) {
      this.fail(response, error);
    }
  }

  private fail(response: DebugProtocol.Response, error: unknown, { showUser = true } = {}): void {
    const nimbusError = toNimbusError(error);
    if (!nimbusError.user) this.logger.error(nimbusError.message, { stack: nimbusError.stack });
    this.sendErrorResponse(response, { id: dapErrorId, format: nimbusError.message.replace(/[{}]/g, (brace) => (brace === '{' ? '｛' : '｝')), showUser });
  }

  private reportInternal(error: unknown): void {
    const nimbusError = toNimbusError(error);
    if (this.shuttingDown) return;
    this.logger.error(nimbusError.message, { stack: nimbusError.stack });
    this.output('stderr', `Nimbus debugger: ${nimbusError.message}\n`);
  }
}

function describeException(thrown: Protocol.RemoteObject): string {
  if (thrown.type === 'object' && thrown.description) return thrown.description.split('\n', 1)[0]!;
  return describeValue(thrown);
}

/** Every file script of the instance except the bundle: the harness and anything the bundle left external. */
function harnessPattern(bundleFile: string): string {
  const bundleUrl = pathToFileURL(bundleFile).href;
  return `^file://(?!${bundleUrl.slice('file://'.length).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$)`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NimbusError('DEBUG_ATTACH_FAILED', `Gave up ${what} after ${ms / 1000} s; see the Debug Console for the function's output and try again.`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
