// Debug layer: source breakpoints of one debugged bundle — where they go in the bundle (through its source map),
// binding them in V8 by URL before the bundle loads, conditions, hit counts and logpoints.

import { pathToFileURL } from 'node:url';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CdpClient, Protocol } from './cdp';
import { normalizePath, type BundleSourceMap } from './sourceMaps';

export interface SourceBreakpointRecord {
  /** The DAP breakpoint id. */
  id: number;
  path: string;
  /** The line the user asked for. */
  requestedLine: number;
  /** The line it actually binds to, once known. */
  line: number;
  condition?: string;
  hitCondition?: HitCondition;
  logMessage?: string;
  cdpId?: Protocol.BreakpointId;
  verified: boolean;
  message?: string;
  hits: number;
}

export interface HitCondition {
  operator: '>=' | '>' | '<=' | '<' | '==' | '%';
  count: number;
}

/** `5` (from the 5th hit on, as js-debug reads it), `>5`, `>=5`, `<5`, `<=5`, `==5`, `%5` (every 5th). */
export function parseHitCondition(text: string): HitCondition | undefined {
  const match = /^\s*(>=|>|<=|<|===|==|=|%)?\s*(\d+)\s*$/.exec(text);
  if (!match) return undefined;
  const operator = (match[1] === '=' || match[1] === '===' ? '==' : (match[1] ?? '>=')) as HitCondition['operator'];
  return { operator, count: Number(match[2]) };
}

export function hitConditionMet(condition: HitCondition, hits: number): boolean {
  switch (condition.operator) {
    case '>=':
      return hits >= condition.count;
    case '>':
      return hits > condition.count;
    case '<=':
      return hits <= condition.count;
    case '<':
      return hits < condition.count;
    case '==':
      return hits === condition.count;
    case '%':
      return condition.count > 0 && hits % condition.count === 0;
  }
}

/**
 * A logpoint is a condition that logs and never pauses: `{expression}` parts become template-literal
 * substitutions, so the line goes through the function's own console and reaches the Debug Console with its logs.
 */
export function logpointCondition(logMessage: string, condition?: string): string {
  let template = '';
  let index = 0;
  while (index < logMessage.length) {
    const open = logMessage.indexOf('{', index);
    const close = open < 0 ? -1 : logMessage.indexOf('}', open);
    if (open < 0 || close < 0) {
      template += escapeTemplateText(logMessage.slice(index));
      break;
    }
    template += escapeTemplateText(logMessage.slice(index, open)) + '${' + logMessage.slice(open + 1, close) + '}';
    index = close + 1;
  }
  const log = `(console.log(\`${template}\`), false)`;
  return condition ? `(${condition}) && ${log}` : log;
}

function escapeTemplateText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
}

/** A regex for V8's `urlRegex` matching the bundle by path or by file URL (CommonJS scripts are reported as file URLs). */
export function bundleUrlRegex(bundleFile: string): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `^(?:${escape(pathToFileURL(bundleFile).href)}|${escape(bundleFile)})$`;
}

export class BreakpointManager {
  private nextId = 1;
  private readonly bySource = new Map<string, SourceBreakpointRecord[]>();
  private readonly byCdpId = new Map<Protocol.BreakpointId, SourceBreakpointRecord>();
  private readonly urlRegex: string;

  constructor(
    private readonly cdp: CdpClient,
    private readonly sourceMap: BundleSourceMap,
    bundleFile: string,
    private readonly scriptIsBundle: (scriptId: Protocol.ScriptId) => boolean,
  ) {
    this.urlRegex = bundleUrlRegex(bundleFile);
  }

  /** Replaces every breakpoint of one source; answers what bound where. */
  async setForSource(path: string, requested: DebugProtocol.SourceBreakpoint[]): Promise<SourceBreakpointRecord[]> {
    const source = normalizePath(path);
    const previous = this.bySource.get(source) ?? [];
    await Promise.all(previous.map((record) => this.unbind(record)));
    const records = await Promise.all(requested.map((breakpoint) => this.bind(source, breakpoint)));
    this.bySource.set(source, records);
    return records;
  }

  /** Applies a `Debugger.breakpointResolved` event; returns the record it changed, if it is ours. */
  resolved(cdpId: Protocol.BreakpointId, location: Protocol.Location): SourceBreakpointRecord | undefined {
    const record = this.byCdpId.get(cdpId);
    if (!record || !this.scriptIsBundle(location.scriptId)) return undefined;
    const original = this.sourceMap.originalFor(location.lineNumber + 1, (location.columnNumber ?? 0) + 1);
    record.verified = true;
    record.message = undefined;
    if (original && original.path === record.path) record.line = original.line;
    return record;
  }

  /** The breakpoints behind a pause, by the ids V8 reports. */
  recordsFor(cdpIds: readonly Protocol.BreakpointId[]): SourceBreakpointRecord[] {
    return cdpIds.map((id) => this.byCdpId.get(id)).filter((record): record is SourceBreakpointRecord => record !== undefined);
  }

  /**
   * Counts a hit on each breakpoint behind a pause; true when the pause should be shown (some breakpoint without a
   * hit condition, or whose hit condition is met).
   */
  countHits(records: readonly SourceBreakpointRecord[]): boolean {
    let show = false;
    for (const record of records) {
      record.hits++;
      if (!record.hitCondition || hitConditionMet(record.hitCondition, record.hits)) show = true;
    }
    return show;
  }

  private async bind(path: string, requested: DebugProtocol.SourceBreakpoint): Promise<SourceBreakpointRecord> {
    const record: SourceBreakpointRecord = {
      id: this.nextId++,
      path,
      requestedLine: requested.line,
      line: requested.line,
      condition: requested.condition?.trim() || undefined,
      logMessage: requested.logMessage || undefined,
      verified: false,
      hits: 0,
    };
    if (requested.hitCondition?.trim()) {
      record.hitCondition = parseHitCondition(requested.hitCondition);
      if (!record.hitCondition) {
        record.message = `Hit count "${requested.hitCondition}" is not understood: write a number, optionally after >, >=, <, <=, == or %.`;
        return record;
      }
    }
    const generated = this.sourceMap.generatedFor(path, requested.line);
    if (!generated) {
      record.message = this.sourceMap.hasSource(path)
        ? `No code at or after line ${requested.line} of this file ends up in the function's bundle.`
        : `This file is not part of the debugged function's bundle (it is not imported from its handler).`;
      return record;
    }
    const condition = record.logMessage ? logpointCondition(record.logMessage, record.condition) : record.condition;
    let result: { breakpointId: Protocol.BreakpointId; locations: Protocol.Location[] };
    try {
      result = await this.cdp.api.Debugger.setBreakpointByUrl({
        urlRegex: this.urlRegex,
        lineNumber: generated.line - 1,
        columnNumber: generated.column - 1,
        ...(condition ? { condition } : {}),
      });
    } catch (error) {
      // V8 refuses a second breakpoint at the same bundle position (two source lines that map to one place).
      record.message = `Could not bind: ${error instanceof Error ? error.message : String(error)}`;
      return record;
    }
    record.cdpId = result.breakpointId;
    this.byCdpId.set(result.breakpointId, record);
    const location = result.locations[0];
    if (location) {
      this.resolved(result.breakpointId, location);
    } else {
      record.message = 'Binds when the function loads.';
    }
    return record;
  }

  private async unbind(record: SourceBreakpointRecord): Promise<void> {
    if (!record.cdpId) return;
    this.byCdpId.delete(record.cdpId);
    if (!this.cdp.isClosed) await this.cdp.api.Debugger.removeBreakpoint({ breakpointId: record.cdpId });
  }
}
