// Debug layer: source breakpoints of one debugged bundle — where they go in the bundle (through its source map),
// binding them in V8 by URL before the bundle loads, conditions (a syntax error said on the breakpoint), hit counts
// and logpoints (counted and formatted inside the instance).

import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
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

/** The function a logpoint's condition calls, installed in the instance by logpointSupportSource. */
const logpointHook = "globalThis[Symbol.for('nimbus.debug.logpoint')]";

/**
 * Runs inside the instance (evaluated once, at connect): counts a logpoint's hits, and when its hit condition holds
 * writes its line through the function's console — each `{expression}` formatted as console.log formats it (objects
 * as previews, `Counter { count: 1 }`), or `{ReferenceError: …}` in its place when it throws. Answers false, so V8
 * never pauses.
 */
export const logpointSupportSource = `Object.defineProperty(globalThis, Symbol.for('nimbus.debug.logpoint'), { value: (() => {
  const { format } = process.getBuiltinModule('node:util');
  const hits = new Map();
  return (id, hitTest, texts, expressions) => {
    const count = (hits.get(id) ?? 0) + 1;
    hits.set(id, count);
    if (hitTest && !hitTest(count)) return false;
    let line = texts[0];
    expressions.forEach((expression, index) => {
      let text;
      try {
        const value = expression();
        text = typeof value === 'string' ? value : format(value);
      } catch (error) {
        text = '{' + (error instanceof Error ? String(error) : format(error)) + '}';
      }
      line += text + texts[index + 1];
    });
    console.log(line);
    return false;
  };
})() })`;

/** A log message split at its `{expression}` parts: `texts` has one more element than `expressions`. */
export interface LogMessage {
  texts: string[];
  expressions: string[];
}

/**
 * Splits a log message into text and `{expression}` parts. An expression ends at the `}` that closes its `{`, past
 * strings, template literals and nested brackets inside it (`{"}"}`, `{`x${i}`}`, `{ {a: 1}.a }`; regular
 * expression literals are not recognized). `{{` and `}}` stand for a literal `{` and `}`, as in Python's and C#'s
 * format strings. A `{` without its `}`, and `{}`, are text.
 */
export function parseLogMessage(message: string): LogMessage {
  const texts: string[] = [];
  const expressions: string[] = [];
  let text = '';
  let index = 0;
  while (index < message.length) {
    const char = message[index]!;
    if ((char === '{' || char === '}') && message[index + 1] === char) {
      text += char;
      index += 2;
      continue;
    }
    const end = char === '{' ? expressionEnd(message, index + 1) : undefined;
    if (end !== undefined && message.slice(index + 1, end).trim()) {
      texts.push(text);
      expressions.push(message.slice(index + 1, end));
      text = '';
      index = end + 1;
      continue;
    }
    text += char;
    index++;
  }
  texts.push(text);
  return { texts, expressions };
}

/** The index of the `}` that ends the expression starting at `start`, or undefined when it does not end. */
function expressionEnd(text: string, start: number): number | undefined {
  // What closes each open bracket, and '`' for a template literal being read.
  const closers: string[] = [];
  let index = start;
  while (index < text.length) {
    const char = text[index]!;
    if (closers.at(-1) === '`') {
      if (char === '\\') {
        index += 2;
      } else if (char === '$' && text[index + 1] === '{') {
        closers.push('}');
        index += 2;
      } else {
        if (char === '`') closers.pop();
        index++;
      }
      continue;
    }
    if (char === '"' || char === "'") {
      index = stringEnd(text, index);
      continue;
    }
    if (char === '/' && text[index + 1] === '*') {
      const close = text.indexOf('*/', index + 2);
      if (close < 0) return undefined;
      index = close + 2;
      continue;
    }
    if (char === '`') closers.push('`');
    else if (char === '(') closers.push(')');
    else if (char === '[') closers.push(']');
    else if (char === '{') closers.push('}');
    else if (char === ')' || char === ']' || char === '}') {
      if (closers.length === 0) return char === '}' ? index : undefined;
      if (closers.pop() !== char) return undefined;
    }
    index++;
  }
  return undefined;
}

/** The index after the string literal opening at `start` (or the text's end when it is not closed). */
function stringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let index = start + 1; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === quote) return index + 1;
  }
  return text.length;
}

/** The hit condition as JavaScript, for hits counted inside the instance: `(hits) => hits > 8`. */
export function hitTestSource(condition: HitCondition): string {
  if (condition.operator === '%') return `(hits) => ${condition.count > 0 ? `hits % ${condition.count} === 0` : 'false'}`;
  return `(hits) => hits ${condition.operator === '==' ? '===' : condition.operator} ${condition.count}`;
}

/**
 * A logpoint is a condition that logs and never pauses: it hands the message's parts, each expression as a
 * function of the paused scope, to the hook logpointSupportSource installs. Its hits are counted there too, as V8
 * never pauses to let the adapter count them. Newlines keep a trailing `//` comment from swallowing what follows.
 */
export function logpointCondition(id: number, message: LogMessage, options: { condition?: string; hitCondition?: HitCondition } = {}): string {
  const expressions = message.expressions.map((expression) => `() => (${expression}\n)`).join(', ');
  const hitTest = options.hitCondition ? hitTestSource(options.hitCondition) : 'undefined';
  const log = `${logpointHook}?.(${id}, ${hitTest}, ${JSON.stringify(message.texts)}, [${expressions}])`;
  return options.condition ? `(${options.condition}\n) && ${log}` : log;
}

/** The syntax error V8 reports compiling `source` as a script (how it compiles breakpoint conditions), if any. */
export function syntaxErrorIn(source: string): string | undefined {
  try {
    new Script(source);
    return undefined;
  } catch (error) {
    return error instanceof SyntaxError ? `${error.name}: ${error.message}` : undefined;
  }
}

/** The syntax error of `expression` as one expression, in the words V8 finds for it on its own when it has some. */
function expressionSyntaxError(expression: string): string | undefined {
  const wrapped = syntaxErrorIn(`(${expression}\n)`);
  return wrapped && (syntaxErrorIn(expression) ?? wrapped);
}

/**
 * Why a condition or log message cannot be bound as written, or undefined when it can. V8 would take it and
 * silently never stop (an evaluation that throws counts as false), so the breakpoint says it, unverified.
 */
function conditionProblem(condition: string | undefined, message: LogMessage | undefined): string | undefined {
  if (condition !== undefined) {
    // A logpoint's condition becomes part of an expression; a breakpoint's is compiled as it is.
    const error = message ? expressionSyntaxError(condition) : syntaxErrorIn(condition);
    if (error) return `The condition "${condition}" has a syntax error (${error}); fix it and the breakpoint binds.`;
  }
  for (const expression of message?.expressions ?? []) {
    const error = expressionSyntaxError(expression);
    if (error) return `The part {${expression}} of the log message has a syntax error (${error}); fix it and the logpoint binds.`;
  }
  return undefined;
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
    const logMessage = record.logMessage === undefined ? undefined : parseLogMessage(record.logMessage);
    record.message = conditionProblem(record.condition, logMessage);
    if (record.message) return record;
    const condition = logMessage ? logpointCondition(record.id, logMessage, { condition: record.condition, hitCondition: record.hitCondition }) : record.condition;
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
