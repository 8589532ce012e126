// Webview protocol (no 'vscode', no DOM): the Test Events panel's messages in both directions, declared once with
// validators, plus the pure helpers both sides share. The extension host validates what the webview sends and the
// webview validates what it receives, because either side may be stale (a restored panel, a reloaded window).

import type { InvocationResult } from '../shared/invocation';

export type TriggerKind = 'http' | 'storage' | 'queue' | 'schedule';
export const triggerKinds: readonly TriggerKind[] = ['http', 'storage', 'queue', 'schedule'];

/** Where an event is sent: the local executor, a live `nimbus` debug session, or the connected backend. */
export type SendTarget = 'local' | 'debug' | 'remote';
export const sendTargets: readonly SendTarget[] = ['local', 'debug', 'remote'];

export interface PanelFunction {
  /** `<absolute manifest path>#<function name>` — unique across a multi-manifest workspace. */
  id: string;
  name: string;
  service: string;
  triggers: TriggerKind[];
}

/** What the panel shows of one invocation. */
export interface PanelResult {
  target: SendTarget;
  functionName: string;
  requestId: string;
  ok: boolean;
  /** The handler's return value, or the error in the Lambda shape. */
  body: unknown;
  /** For HTTP results `{statusCode, headers, body}`: the parts, so the panel shows them apart. */
  http?: { statusCode: number; headers: Record<string, string>; body: unknown };
  logs: string[];
  report?: string;
  durationMs: number;
  initDurationMs?: number;
  billedMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  costUsd: number;
  coldStart: boolean;
  /** ISO time the result arrived. */
  time: string;
}

export interface HistoryEntry {
  functionId: string;
  target: SendTarget;
  eventText: string;
  ok: boolean;
  durationMs: number;
  time: string;
}

/** What the webview keeps with setState and the serializer restores after a reload. */
export interface PanelState {
  functionId?: string;
  trigger?: TriggerKind;
  eventText: string;
  eventName?: string;
  result?: PanelResult;
  history: HistoryEntry[];
}

// Webview → extension host.
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'selectFunction'; functionId: string }
  | { type: 'template'; functionId: string; trigger: TriggerKind }
  | { type: 'send'; functionId: string; target: SendTarget; eventText: string }
  | { type: 'saveEvent'; functionId: string; name: string; eventText: string }
  | { type: 'loadEvent'; functionId: string; name: string }
  | { type: 'renameEvent'; functionId: string; from: string; to: string }
  | { type: 'deleteEvent'; functionId: string; name: string };

// Extension host → webview.
export type HostMessage =
  | { type: 'functions'; functions: PanelFunction[]; selectedId?: string; remoteAvailable: boolean }
  | { type: 'savedEvents'; functionId: string; names: string[] }
  | { type: 'eventText'; functionId: string; name?: string; eventText: string }
  | { type: 'busy'; target: SendTarget | undefined }
  | { type: 'result'; result: PanelResult }
  | { type: 'error'; message: string };

const maxEventBytes = 6 * 1024 * 1024;
const maxHistory = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown, maxLength = 4096): value is string {
  return typeof value === 'string' && value.length <= maxLength;
}

/** Returns the message when it is well-formed, else undefined (the sender is ignored, not trusted). */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (!isRecord(value)) return undefined;
  const id = value.functionId;
  switch (value.type) {
    case 'ready':
      return { type: 'ready' };
    case 'selectFunction':
      return isString(id) ? { type: 'selectFunction', functionId: id } : undefined;
    case 'template':
      return isString(id) && triggerKinds.includes(value.trigger as TriggerKind)
        ? { type: 'template', functionId: id, trigger: value.trigger as TriggerKind }
        : undefined;
    case 'send':
      return isString(id) && sendTargets.includes(value.target as SendTarget) && isString(value.eventText, maxEventBytes)
        ? { type: 'send', functionId: id, target: value.target as SendTarget, eventText: value.eventText }
        : undefined;
    case 'saveEvent':
      return isString(id) && isString(value.name, 200) && isString(value.eventText, maxEventBytes)
        ? { type: 'saveEvent', functionId: id, name: value.name, eventText: value.eventText }
        : undefined;
    case 'loadEvent':
    case 'deleteEvent':
      return isString(id) && isString(value.name, 200) ? { type: value.type, functionId: id, name: value.name } : undefined;
    case 'renameEvent':
      return isString(id) && isString(value.from, 200) && isString(value.to, 200)
        ? { type: 'renameEvent', functionId: id, from: value.from, to: value.to }
        : undefined;
    default:
      return undefined;
  }
}

export function parseHostMessage(value: unknown): HostMessage | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'functions':
      return Array.isArray(value.functions) && value.functions.every(isPanelFunction) && typeof value.remoteAvailable === 'boolean'
        ? {
            type: 'functions',
            functions: value.functions,
            selectedId: isString(value.selectedId) ? value.selectedId : undefined,
            remoteAvailable: value.remoteAvailable,
          }
        : undefined;
    case 'savedEvents':
      return isString(value.functionId) && Array.isArray(value.names) && value.names.every((name) => isString(name, 200))
        ? { type: 'savedEvents', functionId: value.functionId, names: value.names as string[] }
        : undefined;
    case 'eventText':
      return isString(value.functionId) && isString(value.eventText, maxEventBytes)
        ? { type: 'eventText', functionId: value.functionId, name: isString(value.name, 200) ? value.name : undefined, eventText: value.eventText }
        : undefined;
    case 'busy':
      return value.target === undefined || sendTargets.includes(value.target as SendTarget)
        ? { type: 'busy', target: value.target as SendTarget | undefined }
        : undefined;
    case 'result':
      return isRecord(value.result) && isString(value.result.requestId) && typeof value.result.durationMs === 'number'
        ? { type: 'result', result: value.result as unknown as PanelResult }
        : undefined;
    case 'error':
      return isString(value.message, 20000) ? { type: 'error', message: value.message } : undefined;
    default:
      return undefined;
  }
}

function isPanelFunction(value: unknown): value is PanelFunction {
  return (
    isRecord(value) &&
    isString(value.id) &&
    isString(value.name) &&
    isString(value.service) &&
    Array.isArray(value.triggers) &&
    value.triggers.every((trigger) => triggerKinds.includes(trigger as TriggerKind))
  );
}

/** Parses an event's JSON text; the error names the line and column so the user can find the typo. */
export function parseEventText(text: string): { ok: true; event: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, event: text.trim() === '' ? {} : JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    if (!position) return { ok: false, message: `Invalid JSON: ${message}` };
    const offset = Number(position[1]);
    const before = text.slice(0, offset).split('\n');
    return { ok: false, message: `Invalid JSON at line ${before.length}, column ${before[before.length - 1].length + 1}: ${message}` };
  }
}

/** A saved event's name becomes a file name, so only a safe subset is allowed. */
export function eventNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || name.includes('..')) {
    return 'Use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit.';
  }
  return undefined;
}

export function addToHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [entry, ...history].slice(0, maxHistory);
}

/** An HTTP-shaped handler result (DESIGN §3) split into its parts. */
export function httpParts(result: unknown): PanelResult['http'] {
  if (!isRecord(result) || typeof result.statusCode !== 'number') return undefined;
  const headers: Record<string, string> = {};
  if (isRecord(result.headers)) for (const [key, value] of Object.entries(result.headers)) headers[key] = String(value);
  let body: unknown = result.body;
  if (typeof body === 'string' && result.isBase64Encoded !== true) {
    try {
      body = JSON.parse(body);
    } catch {
      // A non-JSON body is shown as text.
    }
  }
  return { statusCode: result.statusCode, headers, body };
}

export function toPanelResult(
  invocation: Pick<InvocationResult, 'requestId' | 'functionName' | 'result' | 'error' | 'report' | 'coldStart'>,
  target: SendTarget,
  logs: string[],
  report: string | undefined,
  time: string,
): PanelResult {
  const ok = invocation.error === undefined;
  return {
    target,
    functionName: invocation.functionName,
    requestId: invocation.requestId,
    ok,
    body: ok ? invocation.result ?? null : invocation.error,
    http: ok ? httpParts(invocation.result) : undefined,
    logs,
    report,
    durationMs: invocation.report.durationMs,
    initDurationMs: invocation.report.initDurationMs,
    billedMs: invocation.report.billedMs,
    memorySizeMB: invocation.report.memorySizeMB,
    maxMemoryUsedMB: invocation.report.maxMemoryUsedMB,
    costUsd: invocation.report.costUsd,
    coldStart: invocation.coldStart,
    time,
  };
}

export function formatCost(usd: number): string {
  return `$${usd < 0.01 ? usd.toExponential(2) : usd.toFixed(4)}`;
}
