// Debug layer: a typed Chrome DevTools Protocol client over one WebSocket to a V8 inspector. The protocol surface
// Nimbus uses is declared once below; calls read `cdp.Debugger.setBreakpointByUrl({...})`, and every message can be
// traced by tag.

import WebSocket from 'ws';
import { NimbusError } from '../shared/errors';
import { Emitter, type Event, type IDisposable } from '../shared/disposable';

export namespace Protocol {
  export type ScriptId = string;
  export type RemoteObjectId = string;
  export type CallFrameId = string;
  export type BreakpointId = string;

  export interface Location {
    scriptId: ScriptId;
    /** 0-based. */
    lineNumber: number;
    /** 0-based. */
    columnNumber?: number;
  }

  export interface ObjectPreview {
    type: string;
    subtype?: string;
    description?: string;
    overflow: boolean;
    properties: { name: string; type: string; value?: string; subtype?: string }[];
    entries?: { key?: ObjectPreview; value: ObjectPreview }[];
  }

  export interface RemoteObject {
    type: 'object' | 'function' | 'undefined' | 'string' | 'number' | 'boolean' | 'symbol' | 'bigint';
    subtype?: string;
    className?: string;
    value?: unknown;
    unserializableValue?: string;
    description?: string;
    objectId?: RemoteObjectId;
    preview?: ObjectPreview;
  }

  export interface PropertyDescriptor {
    name: string;
    value?: RemoteObject;
    get?: RemoteObject;
    set?: RemoteObject;
    enumerable: boolean;
    isOwn?: boolean;
  }

  export interface InternalPropertyDescriptor {
    name: string;
    value?: RemoteObject;
  }

  export interface Scope {
    type: 'global' | 'local' | 'with' | 'closure' | 'catch' | 'block' | 'script' | 'eval' | 'module' | 'wasm-expression-stack';
    object: RemoteObject;
    name?: string;
    startLocation?: Location;
    endLocation?: Location;
  }

  export interface CallFrame {
    callFrameId: CallFrameId;
    functionName: string;
    location: Location;
    url: string;
    scopeChain: Scope[];
    this: RemoteObject;
  }

  export interface CallArgument {
    value?: unknown;
    unserializableValue?: string;
    objectId?: RemoteObjectId;
  }

  export interface ExceptionDetails {
    exceptionId: number;
    text: string;
    lineNumber: number;
    columnNumber: number;
    url?: string;
    exception?: RemoteObject;
  }

  export interface StackTrace {
    description?: string;
    callFrames: { functionName: string; scriptId: ScriptId; url: string; lineNumber: number; columnNumber: number }[];
    /** The async caller: who awaited this. */
    parent?: StackTrace;
  }

  export interface EvaluateResult {
    result: RemoteObject;
    exceptionDetails?: ExceptionDetails;
  }

  export interface PausedEvent {
    callFrames: CallFrame[];
    reason: string;
    data?: Record<string, unknown>;
    hitBreakpoints?: BreakpointId[];
    asyncStackTrace?: StackTrace;
  }

  export interface ScriptParsedEvent {
    scriptId: ScriptId;
    url: string;
    sourceMapURL?: string;
  }

  export interface ConsoleAPICalledEvent {
    type: string;
    args: RemoteObject[];
    stackTrace?: StackTrace;
  }

  /** Every method Nimbus calls: parameters and result side by side. */
  export interface Methods {
    'Runtime.enable': [Record<string, never>, Record<string, never>];
    'Runtime.runIfWaitingForDebugger': [Record<string, never>, Record<string, never>];
    'Runtime.evaluate': [
      { expression: string; objectGroup?: string; includeCommandLineAPI?: boolean; silent?: boolean; returnByValue?: boolean; generatePreview?: boolean; contextId?: number },
      EvaluateResult,
    ];
    'Runtime.getProperties': [
      { objectId: RemoteObjectId; ownProperties?: boolean; accessorPropertiesOnly?: boolean; generatePreview?: boolean },
      { result: PropertyDescriptor[]; internalProperties?: InternalPropertyDescriptor[]; exceptionDetails?: ExceptionDetails },
    ];
    'Runtime.callFunctionOn': [
      { functionDeclaration: string; objectId?: RemoteObjectId; arguments?: CallArgument[]; returnByValue?: boolean; generatePreview?: boolean; silent?: boolean; objectGroup?: string },
      EvaluateResult,
    ];
    'Runtime.releaseObjectGroup': [{ objectGroup: string }, Record<string, never>];
    'Runtime.globalLexicalScopeNames': [Record<string, never>, { names: string[] }];
    'Debugger.enable': [{ maxScriptsCacheSize?: number }, { debuggerId: string }];
    'Debugger.setBreakpointByUrl': [
      { lineNumber: number; url?: string; urlRegex?: string; columnNumber?: number; condition?: string },
      { breakpointId: BreakpointId; locations: Location[] },
    ];
    'Debugger.removeBreakpoint': [{ breakpointId: BreakpointId }, Record<string, never>];
    'Debugger.setBreakpointsActive': [{ active: boolean }, Record<string, never>];
    'Debugger.setPauseOnExceptions': [{ state: 'none' | 'caught' | 'uncaught' | 'all' }, Record<string, never>];
    'Debugger.setSkipAllPauses': [{ skip: boolean }, Record<string, never>];
    'Debugger.setBlackboxPatterns': [{ patterns: string[] }, Record<string, never>];
    'Debugger.setAsyncCallStackDepth': [{ maxDepth: number }, Record<string, never>];
    'Debugger.resume': [{ terminateOnResume?: boolean }, Record<string, never>];
    'Debugger.pause': [Record<string, never>, Record<string, never>];
    'Debugger.stepOver': [Record<string, never>, Record<string, never>];
    'Debugger.stepInto': [{ breakOnAsyncCall?: boolean }, Record<string, never>];
    'Debugger.stepOut': [Record<string, never>, Record<string, never>];
    'Debugger.evaluateOnCallFrame': [
      { callFrameId: CallFrameId; expression: string; objectGroup?: string; includeCommandLineAPI?: boolean; silent?: boolean; returnByValue?: boolean; generatePreview?: boolean; throwOnSideEffect?: boolean; timeout?: number },
      EvaluateResult,
    ];
    'Debugger.setVariableValue': [
      { scopeNumber: number; variableName: string; newValue: CallArgument; callFrameId: CallFrameId },
      Record<string, never>,
    ];
  }

  /** Every event Nimbus listens to. */
  export interface Events {
    'Debugger.paused': PausedEvent;
    'Debugger.resumed': Record<string, never>;
    'Debugger.scriptParsed': ScriptParsedEvent;
    'Debugger.breakpointResolved': { breakpointId: BreakpointId; location: Location };
    'Runtime.consoleAPICalled': ConsoleAPICalledEvent;
    'Runtime.exceptionThrown': { exceptionDetails: ExceptionDetails };
    'Runtime.executionContextDestroyed': { executionContextId: number };
  }
}

type MethodName = keyof Protocol.Methods;
type EventName = keyof Protocol.Events;
type DomainOf<Name extends string> = Name extends `${infer Domain}.${string}` ? Domain : never;
type MemberOf<Name extends string> = Name extends `${string}.${infer Member}` ? Member : never;

type DomainApi<Domain extends string> = {
  [Name in MethodName as DomainOf<Name> extends Domain ? MemberOf<Name> : never]: Protocol.Methods[Name][0] extends Record<string, never>
    ? (parameters?: Protocol.Methods[Name][0]) => Promise<Protocol.Methods[Name][1]>
    : (parameters: Protocol.Methods[Name][0]) => Promise<Protocol.Methods[Name][1]>;
} & {
  [Name in EventName as DomainOf<Name> extends Domain ? `on${Capitalize<MemberOf<Name>>}` : never]: Event<Protocol.Events[Name]>;
};

export interface CdpApi {
  readonly Runtime: DomainApi<'Runtime'>;
  readonly Debugger: DomainApi<'Debugger'>;
}

/** Where the traced lines go: `tag` is `send`, `receive` or `event`. */
export type CdpTrace = (tag: 'send' | 'receive' | 'event', message: unknown) => void;

interface PendingCall {
  method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class CdpClient implements IDisposable {
  private readonly socket: WebSocket;
  private readonly pending = new Map<number, PendingCall>();
  private readonly emitters = new Map<string, Emitter<unknown>>();
  private readonly closeEmitter = new Emitter<void>();
  private nextId = 1;
  private closed = false;
  private pendingPromiseId?: Protocol.RemoteObjectId;
  private sentSinceReceive = false;
  private acknowledgeScheduled = false;

  /** Fires once when the connection closes, from either side. */
  readonly onDidClose: Event<void> = this.closeEmitter.event;
  readonly api: CdpApi;

  private constructor(socket: WebSocket, private readonly trace?: CdpTrace) {
    this.socket = socket;
    socket.on('message', (data) => this.receive(String(data)));
    socket.on('close', () => this.handleClose());
    socket.on('error', () => this.handleClose());
    this.api = {
      Runtime: this.domain('Runtime') as CdpApi['Runtime'],
      Debugger: this.domain('Debugger') as CdpApi['Debugger'],
    };
  }

  /** Connects to `ws://…` within `timeoutMs` (and at most 10 s more for the first answer); DEBUG_ATTACH_FAILED otherwise. */
  static connect(url: string, options: { timeoutMs?: number; trace?: CdpTrace } = {}): Promise<CdpClient> {
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      // The inspector can send large paused events (deep scope chains); no compression on loopback.
      const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new NimbusError('DEBUG_ATTACH_FAILED', `Could not connect to the function's inspector at ${url} within ${timeoutMs} ms. Check that nothing blocks loopback connections and try again.`));
      }, timeoutMs);
      socket.once('open', () => {
        clearTimeout(timer);
        const client = new CdpClient(socket, options.trace);
        client.prepareAcknowledgements().then(
          () => resolve(client),
          (error: unknown) => {
            client.dispose();
            reject(new NimbusError('DEBUG_ATTACH_FAILED', `The function's inspector at ${url} did not answer: ${error instanceof Error ? error.message : String(error)}.`, { cause: error }));
          },
        );
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new NimbusError('DEBUG_ATTACH_FAILED', `Could not connect to the function's inspector at ${url}: ${error.message}.`, { cause: error }));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends one command; rejects when the inspector answers with an error, the socket closes, or `timeoutMs` passes. */
  send<Name extends MethodName>(method: Name, parameters: Protocol.Methods[Name][0], timeoutMs = 10_000): Promise<Protocol.Methods[Name][1]> {
    if (this.closed) return Promise.reject(new NimbusError('DEBUG_ATTACH_FAILED', `The function's inspector connection is closed (while calling ${method}).`));
    const id = this.nextId++;
    const message = { id, method, params: parameters };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NimbusError('DEBUG_ATTACH_FAILED', `The function's inspector did not answer ${method} within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as Protocol.Methods[Name][1]);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.write(message);
    });
  }

  private write(message: { id: number; method: string; params: unknown }): void {
    this.trace?.('send', message);
    this.sentSinceReceive = true;
    this.socket.send(JSON.stringify(message));
  }

  /**
   * Makes the TCP acknowledgement of what was received leave now, unless a request already carried it. Node's
   * inspector socket uses Nagle's algorithm: an event it writes right after another (`Debugger.resumed` after the
   * answer to `resume`, `paused` after `breakpointResolved`) waits for that acknowledgement — up to the 40 ms
   * delayed-ACK timer of a quiet reader. This request awaits a promise that never settles, so no answer comes to start
   * the wait over, and it compiles nothing, so no scriptParsed event does either.
   */
  private acknowledgeReceived(): void {
    this.acknowledgeScheduled = false;
    if (this.closed || !this.pendingPromiseId || this.sentSinceReceive) return;
    this.write({ id: this.nextId++, method: 'Runtime.awaitPromise', params: { promiseObjectId: this.pendingPromiseId } });
  }

  /** Turns on eager acknowledgements (see acknowledgeReceived) by creating the promise they await. */
  private async prepareAcknowledgements(): Promise<void> {
    const { result } = await this.send('Runtime.evaluate', { expression: 'new Promise(() => {})', objectGroup: 'nimbus-acknowledge', silent: true });
    this.pendingPromiseId = result.objectId;
  }

  on<Name extends EventName>(event: Name, listener: (value: Protocol.Events[Name]) => void): IDisposable {
    return this.emitterFor(event).event(listener as (value: unknown) => void);
  }

  dispose(): void {
    if (this.closed) return;
    this.socket.terminate();
    this.handleClose();
  }

  private domain(domain: string): unknown {
    return new Proxy(
      {},
      {
        get: (_target, property) => {
          if (typeof property !== 'string') return undefined;
          if (/^on[A-Z]/.test(property)) {
            const eventName = `${domain}.${property[2]!.toLowerCase()}${property.slice(3)}`;
            return this.emitterFor(eventName).event;
          }
          return (parameters: unknown = {}) => this.send(`${domain}.${property}` as MethodName, parameters as never);
        },
      },
    );
  }

  private emitterFor(event: string): Emitter<unknown> {
    let emitter = this.emitters.get(event);
    if (!emitter) {
      emitter = new Emitter<unknown>();
      this.emitters.set(event, emitter);
    }
    return emitter;
  }

  private receive(text: string): void {
    this.sentSinceReceive = false;
    if (!this.acknowledgeScheduled) {
      this.acknowledgeScheduled = true;
      setImmediate(() => this.acknowledgeReceived());
    }
    let message: { id?: number; method?: string; params?: unknown; result?: unknown; error?: { message: string; code: number } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.id !== undefined) {
      this.trace?.('receive', message);
      const call = this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id);
      if (message.error) call.reject(new CdpError(call.method, message.error.message, message.error.code));
      else call.resolve(message.result ?? {});
    } else if (message.method) {
      this.trace?.('event', message);
      this.emitters.get(message.method)?.fire(message.params ?? {});
    }
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.pending.values()) {
      call.reject(new NimbusError('DEBUG_ATTACH_FAILED', `The function's inspector connection closed while calling ${call.method}.`));
    }
    this.pending.clear();
    this.closeEmitter.fire();
    for (const emitter of this.emitters.values()) emitter.dispose();
    this.closeEmitter.dispose();
  }
}

/** An error answer of the inspector to one command. */
export class CdpError extends Error {
  constructor(
    readonly method: string,
    message: string,
    readonly code: number,
  ) {
    super(`${method}: ${message}`);
    this.name = 'CdpError';
  }
}
