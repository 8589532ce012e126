// Debug layer: maps positions between the function's sources (.ts/.js as the user wrote them) and the bundle the
// instance runs, through the bundle's source map.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, TraceMap, eachMapping, originalPositionFor } from '@jridgewell/trace-mapping';
import { NimbusError } from '../shared/errors';

/** 1-based line and column, as DAP clients (with linesStartAt1/columnsStartAt1) and editors count. */
export interface SourceLocation {
  /** Absolute path of the source file. */
  path: string;
  line: number;
  column: number;
}

/** 1-based line and column in the bundle. */
export interface GeneratedLocation {
  line: number;
  column: number;
}

export class BundleSourceMap {
  private readonly map: TraceMap;
  /** Per source path: original line → the first generated position of any mapping from it. */
  private readonly firstGenerated = new Map<string, Map<number, GeneratedLocation>>();
  /** Per source path: the original lines that have mappings, ascending. */
  private readonly mappedLines = new Map<string, number[]>();

  constructor(sourceMapFile: string) {
    let text: string;
    try {
      text = readFileSync(sourceMapFile, 'utf8');
    } catch (error) {
      throw new NimbusError('BUNDLE_INVALID', `The bundle's source map ${sourceMapFile} could not be read; rebuild the function and try again.`, { cause: error });
    }
    this.map = new TraceMap(text, sourceMapFile);
    const resolvedSources = this.map.resolvedSources.map((source) => (source === null ? null : normalizePath(source)));
    eachMapping(this.map, (mapping) => {
      if (mapping.source === null || mapping.originalLine === null) return;
      const source = normalizePath(mapping.source);
      let lines = this.firstGenerated.get(source);
      if (!lines) {
        lines = new Map();
        this.firstGenerated.set(source, lines);
      }
      const generated = { line: mapping.generatedLine, column: mapping.generatedColumn + 1 };
      const known = lines.get(mapping.originalLine);
      if (!known || generated.line < known.line || (generated.line === known.line && generated.column < known.column)) {
        lines.set(mapping.originalLine, generated);
      }
    });
    for (const source of resolvedSources) {
      if (source === null) continue;
      this.mappedLines.set(source, [...(this.firstGenerated.get(source)?.keys() ?? [])].sort((a, b) => a - b));
    }
  }

  /** Absolute paths of every source in the bundle. */
  get sources(): string[] {
    return [...this.mappedLines.keys()];
  }

  hasSource(path: string): boolean {
    return this.mappedLines.has(normalizePath(path));
  }

  /**
   * Where a breakpoint on a source line goes in the bundle: the first generated position of that line, or of the
   * next line that produced code (blank lines, comments and type-only lines produce none).
   */
  generatedFor(path: string, line: number): GeneratedLocation | undefined {
    const source = normalizePath(path);
    const lines = this.mappedLines.get(source);
    if (!lines) return undefined;
    const next = lines.find((candidate) => candidate >= line);
    return next === undefined ? undefined : this.firstGenerated.get(source)!.get(next);
  }

  /** The source position of a bundle position, or undefined when that code came from no source (bundler glue). */
  originalFor(line: number, column: number): SourceLocation | undefined {
    for (const bias of [GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND] as const) {
      const original = originalPositionFor(this.map, { line, column: Math.max(0, column - 1), bias });
      if (original.source !== null && original.line !== null) {
        return { path: normalizePath(original.source), line: original.line, column: original.column + 1 };
      }
    }
    return undefined;
  }
}

/** Absolute, resolved, with forward slashes kept as the platform has them; file URLs become paths. */
export function normalizePath(path: string): string {
  const withoutScheme = path.startsWith('file://') ? decodeURIComponent(new URL(path).pathname) : path;
  return resolve(withoutScheme);
}
