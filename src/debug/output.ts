// Debug layer: the Debug Console stream of a session — function logs (with the source line that wrote them, when
// the inspector reported it), results and REPORT lines, kept in the order they happened.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { OutputEvent } from '@vscode/debugadapter';
import type { LogLine } from '../shared/invocation';
import type { SourceLocation } from './sourceMaps';

/**
 * Mirrors every console call and stdout/stderr write of the function to the inspector's own console (which reports
 * the caller's stack), then lets the harness capture it as before. Runs inside the instance; the mirrored text is
 * the text the harness sends (`util.format`, one trailing newline dropped), so the two reports of one line match,
 * and every log line has a mirror to wait for.
 */
export const consoleMirrorSource = `(() => {
  const { console: inspectorConsole } = process.getBuiltinModule('node:inspector');
  const { format } = process.getBuiltinModule('node:util');
  for (const method of ['log', 'info', 'warn', 'error', 'debug']) {
    const captured = console[method];
    console[method] = function (...args) {
      inspectorConsole[method](format(...args));
      return captured.apply(this, args);
    };
  }
  // process.stdout/stderr cost tens of milliseconds to create: wrap each only when the function first touches it.
  for (const name of ['stdout', 'stderr']) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    if (!descriptor || !descriptor.get) continue;
    let wrapped;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        const stream = descriptor.get.call(process);
        if (stream !== wrapped) {
          const captured = stream.write;
          stream.write = function (chunk, ...rest) {
            const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
            inspectorConsole.debug(text.endsWith('\\n') ? text.slice(0, -1) : text);
            return captured.call(this, chunk, ...rest);
          };
          wrapped = stream;
        }
        return stream;
      },
    });
  }
})()`;

/** How long a log line waits for the inspector's report of where it was written (the two travel separately). */
const locationWaitMs = 100;

export class DebugConsole {
  /** Text → where it was written, for console calls the inspector reported that no log line has claimed yet. */
  private readonly locations = new Map<string, (SourceLocation | undefined)[]>();
  private readonly waiters = new Map<string, () => void>();
  /** Everything goes out through this chain so a result never overtakes the logs before it. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly send: (event: DebugProtocol.Event) => void,
    /** Converts a 1-based source position to the client's line and column base. */
    private readonly toClient: (location: SourceLocation) => { line: number; column: number },
  ) {}

  /** The inspector reported a console call with this text, from this source location if it is in a source. */
  located(text: string, location: SourceLocation | undefined): void {
    const pending = this.locations.get(text) ?? [];
    pending.push(location);
    this.locations.set(text, pending);
    this.waiters.get(text)?.();
  }

  log(line: LogLine): void {
    const category = line.level === 'warn' || line.level === 'error' ? 'stderr' : 'stdout';
    this.enqueue(async () => {
      const location = await this.takeLocation(line.message);
      const event = new OutputEvent(line.message + '\n', category) as DebugProtocol.OutputEvent;
      if (location) {
        event.body.source = { path: location.path, name: location.path.split(/[\\/]/).pop() };
        const position = this.toClient(location);
        event.body.line = position.line;
        event.body.column = position.column;
      }
      return event;
    });
  }

  write(category: 'console' | 'stdout' | 'stderr', text: string): void {
    this.enqueue(async () => new OutputEvent(text, category));
  }

  /** Any other event that must follow the output before it (nimbusResult). */
  event(event: DebugProtocol.Event): void {
    this.enqueue(async () => event);
  }

  /** Resolves once everything queued so far went out. */
  drained(): Promise<void> {
    return this.queue;
  }

  /** Drops whatever is still queued (the session is ending). */
  close(): void {
    this.closed = true;
    for (const wake of this.waiters.values()) wake();
  }

  private enqueue(produce: () => Promise<DebugProtocol.Event>): void {
    this.queue = this.queue.then(async () => {
      const event = await produce();
      if (!this.closed) this.send(event);
    });
  }

  private async takeLocation(text: string): Promise<SourceLocation | undefined> {
    if (!this.locations.has(text) && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, locationWaitMs);
        this.waiters.set(text, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters.delete(text);
    }
    const pending = this.locations.get(text);
    const location = pending?.shift();
    if (pending && pending.length === 0) this.locations.delete(text);
    return location;
  }
}
