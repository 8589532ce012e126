// Client layer: following a deployed function's logs — the stored lines first, then the live tail, and when the
// stream drops (the backend restarted, the network blinked) a reconnect with growing pauses that first catches up on
// the stored lines written meanwhile. Every line is handed over once, in order; used by `nimbus logs --follow` and
// the extension's "Tail Logs".

import { setTimeout as sleep } from 'node:timers/promises';
import { isNimbusError, NimbusError } from '../shared/errors';
import type { LogLine } from '../shared/invocation';
import type { BackendClient, LogTail } from './client';

/** Pauses between reconnect attempts; the last repeats until the stream is back or the caller stops. */
const reconnectDelaysMs = [250, 500, 1000, 2000, 5000];
/** Stored lines per catch-up page (the API's largest). */
const pageLimit = 1000;
/** How far back from the newest line handed over a catch-up starts, and how many lines that remembers at most. */
const recentWindowMs = 2000;
const recentLimit = 10_000;

export interface FollowLogsOptions {
  /** The stored lines to start with: after this sequence or at this ISO time; default the newest `limit`. */
  since?: number | string;
  /** How many stored lines to start with; default 100. */
  limit?: number;
  onLine(line: LogLine): void;
  /** The stream is open (first, before the stored lines), dropped with a reconnect under way, or back. */
  onStatus?(status: { state: 'connected' } | { state: 'reconnecting'; error: NimbusError; attempt: number } | { state: 'reconnected' }): void;
  /** Ends the follow; followLogs then resolves. */
  signal: AbortSignal;
}

/**
 * Resolves when `signal` aborts. Rejects when the stream cannot be opened the first time, or when a reconnect is
 * refused for a reason waiting will not fix (a bad token, a deleted function). Once the stream has opened, losing
 * the backend (also before the first page of stored lines came) means reconnecting.
 */
export async function followLogs(client: BackendClient, name: string, options: FollowLogsOptions): Promise<void> {
  const { signal } = options;
  const printed = new PrintedLines();
  const emit = (line: LogLine) => {
    printed.add(line);
    options.onLine(line);
  };
  const startedAt = new Date().toISOString();
  /** The stream opened once: from then on, losing the backend means reconnecting. */
  let opened = false;
  /** The first page of stored lines is printed: later connections catch up from the newest line printed. */
  let connected = false;
  for (let attempt = 0; !signal.aborted; ) {
    const live: LogLine[] = [];
    let caughtUp = false;
    // The live stream opens first, so no line falls between the stored pages and the tail.
    const tail: LogTail = client.tailLogs(name, (line) => (caughtUp ? emit(line) : live.push(line)));
    const stop = () => tail.dispose();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await tail.opened;
      if (!opened) options.onStatus?.({ state: 'connected' });
      opened = true;
      const stored = connected ? await catchUp(client, name, printed.since ?? startedAt) : (await client.logs(name, firstPage(options))).lines;
      const again = printed.recent();
      for (const line of stored) if (!again.take(line)) emit(line);
      // Live lines that arrived while the pages loaded are in them too, unless they came after.
      const inPages = new LineMultiset(stored);
      for (const line of live.splice(0)) if (!inPages.take(line)) emit(line);
      caughtUp = true;
      if (attempt > 0) options.onStatus?.({ state: 'reconnected' });
      connected = true;
      attempt = 0;
      await tail.closed;
      if (signal.aborted) return;
      throw new NimbusError('BACKEND_UNREACHABLE', `the backend at ${client.url} closed the log stream`);
    } catch (error) {
      if (signal.aborted) return;
      if (!opened || !isNimbusError(error) || !retriable(error)) throw error;
      attempt++;
      options.onStatus?.({ state: 'reconnecting', error, attempt });
    } finally {
      signal.removeEventListener('abort', stop);
      tail.dispose();
    }
    await sleep(reconnectDelaysMs[Math.min(attempt, reconnectDelaysMs.length) - 1], undefined, { signal }).catch(() => undefined);
  }
}

function firstPage(options: FollowLogsOptions): { since?: number | string; limit: number; newest: boolean } {
  return { since: options.since, limit: options.limit ?? 100, newest: options.since === undefined };
}

/** Every stored line from `time` on, page after page. */
async function catchUp(client: BackendClient, name: string, time: string): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  let since: number | string = time;
  for (;;) {
    const page = await client.logs(name, { since, limit: pageLimit });
    lines.push(...page.lines);
    if (page.lines.length < pageLimit) return lines;
    since = page.next;
  }
}

/** What waiting cannot fix: the token, the function or the request itself. */
function retriable(error: NimbusError): boolean {
  return error.code === 'BACKEND_UNREACHABLE' || error.code === 'BACKEND_ERROR' || error.code === 'RATE_LIMITED';
}

const keyOf = (line: LogLine) => `${line.time}\u0000${line.requestId}\u0000${line.message}`;

/** Lines counted by content, so that two identical lines are two. */
class LineMultiset {
  private readonly counts = new Map<string, number>();

  constructor(lines: readonly LogLine[] = []) {
    for (const line of lines) this.add(line);
  }

  add(line: LogLine): void {
    const key = keyOf(line);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Whether the line was there (and now is once less). */
  take(line: LogLine): boolean {
    const key = keyOf(line);
    const count = this.counts.get(key) ?? 0;
    if (count === 0) return false;
    this.counts.set(key, count - 1);
    return true;
  }
}

/**
 * The lines handed over in the last seconds before the newest one. A catch-up starts at the oldest of them, so the
 * lines it returns again are among them even when instances' lines reached the store a little out of time order.
 */
class PrintedLines {
  private lines: LogLine[] = [];
  /** Index of the oldest line still remembered. */
  private start = 0;
  private newest = -Infinity;

  add(line: LogLine): void {
    this.newest = Math.max(this.newest, Date.parse(line.time));
    this.lines.push(line);
    const tooOld = (kept: LogLine) => Date.parse(kept.time) < this.newest - recentWindowMs;
    while (this.start < this.lines.length && (this.lines.length - this.start > recentLimit || tooOld(this.lines[this.start]!))) this.start++;
    if (this.start > 1024 && this.start * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.start);
      this.start = 0;
    }
  }

  /** Where a catch-up starts (an ISO time); undefined before the first line. */
  get since(): string | undefined {
    let oldest: string | undefined;
    for (let index = this.start; index < this.lines.length; index++) {
      const time = this.lines[index]!.time;
      if (oldest === undefined || time < oldest) oldest = time;
    }
    return oldest;
  }

  recent(): LineMultiset {
    return new LineMultiset(this.lines.slice(this.start));
  }
}
