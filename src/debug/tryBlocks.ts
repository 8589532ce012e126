// Debug layer: where the bundle has `try` blocks, so "Uncaught Exceptions" can tell a throw the function's own code
// catches from one only the runtime harness catches. V8 cannot: the harness awaits every handler's promise, so after
// the handler's first `await` V8 predicts every exception as caught.

import type { Protocol } from './cdp';

/** 0-based line range of the body of one `try` block: from the `try {` line to the `} catch`/`} finally` line. */
interface TryRange {
  start: number;
  end: number;
}

/**
 * The `try` blocks of an esbuild bundle (not minified), found by its fixed formatting: `try {` starts a line and the
 * `} catch` or `} finally` that ends it starts a line at the same indentation.
 */
export class TryBlocks {
  private readonly ranges: TryRange[] = [];

  constructor(bundleSource: string) {
    const open: { indentation: string; start: number }[] = [];
    bundleSource.split('\n').forEach((line, index) => {
      const opened = /^(\s*)try \{$/.exec(line);
      if (opened) {
        open.push({ indentation: opened[1]!, start: index });
        return;
      }
      const closed = /^(\s*)\} (?:catch\b|finally\b)/.exec(line);
      if (closed && open.length && open[open.length - 1]!.indentation === closed[1]) {
        this.ranges.push({ start: open.pop()!.start, end: index });
      }
    });
  }

  /** Whether a bundle position lies inside the body of a try block. */
  encloses(line: number): boolean {
    return this.ranges.some((range) => line > range.start && line < range.end);
  }
}

/**
 * Whether the function's own code catches the exception it is paused on: some frame of the bundle — the throwing one,
 * its callers, and the async callers awaiting them — is inside a try block. A callback defined inside a try block
 * but run later counts as caught too; the check errs toward not stopping.
 */
export function caughtByFunction(paused: Protocol.PausedEvent, isBundle: (scriptId: Protocol.ScriptId) => boolean, tryBlocks: TryBlocks): boolean {
  const locations: { scriptId: string; lineNumber: number }[] = paused.callFrames.map((frame) => frame.location);
  for (let parent = paused.asyncStackTrace; parent; parent = parent.parent) locations.push(...parent.callFrames);
  return locations.some((location) => isBundle(location.scriptId) && tryBlocks.encloses(location.lineNumber));
}
