// Shared layer: what one invocation yields — result or error, logs and the REPORT (DESIGN §3). Used by the executor,
// the debug adapter (nimbusResult), the backend API and the panel.

export type ConsoleLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  /** ISO-8601 time the line was written. */
  time: string;
  level: ConsoleLevel;
  requestId: string;
  /** Name of the function that wrote it. */
  functionName: string;
  message: string;
}

/** The error of a failed invocation, in the Lambda shape (DESIGN §4). */
export interface FunctionErrorPayload {
  errorType: string;
  errorMessage: string;
  stack?: string[] | string;
}

export interface InvocationReport {
  requestId: string;
  durationMs: number;
  billedMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  /** Present only on a cold start. */
  initDurationMs?: number;
  /** Estimated cost in USD from the price model. */
  costUsd: number;
}

export interface InvocationResult {
  requestId: string;
  functionName: string;
  /** Present when the invocation succeeded (may itself be undefined/null when the handler returned nothing). */
  result?: unknown;
  error?: FunctionErrorPayload;
  logs: LogLine[];
  report: InvocationReport;
  /** Whether a new instance had to start for this invocation. */
  coldStart: boolean;
}

export interface PriceModel {
  /** USD per GB-second of billed duration × memory. */
  gbSecond: number;
  /** USD per request. */
  request: number;
}

/** Lambda's x86 list prices, the default estimate. */
export const defaultPriceModel: PriceModel = { gbSecond: 0.0000166667, request: 0.0000002 };

export function billedDuration(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

export function estimateCost(billedMs: number, memoryMB: number, prices: PriceModel = defaultPriceModel): number {
  return (billedMs / 1000) * (memoryMB / 1024) * prices.gbSecond + prices.request;
}

/** `REPORT RequestId: … Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 256 MB Max Memory Used: 41 MB Init Duration: 85.10 ms` */
/** The errorType of an invocation that ran out of time, Lambda's. */
export const timeoutErrorType = 'Sandbox.Timedout';

export function isTimeout(error: FunctionErrorPayload | undefined): boolean {
  return error?.errorType === timeoutErrorType;
}

export function formatReport(report: InvocationReport): string {
  let line =
    `REPORT RequestId: ${report.requestId} Duration: ${report.durationMs.toFixed(2)} ms ` +
    `Billed Duration: ${report.billedMs} ms Memory Size: ${report.memorySizeMB} MB ` +
    `Max Memory Used: ${Math.round(report.maxMemoryUsedMB)} MB`;
  if (report.initDurationMs !== undefined) line += ` Init Duration: ${report.initDurationMs.toFixed(2)} ms`;
  return line;
}

/** `2026-11-23T16:36:48.123Z\t<requestId>\tINFO\tmessage` — the Lambda console line format. */
export function formatLogLine(line: LogLine): string {
  return `${line.time}\t${line.requestId}\t${line.level.toUpperCase()}\t${line.message}`;
}
