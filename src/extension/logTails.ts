// Extension glue: the live log tails of *Tail Logs*, one per deployed function, printed to the Nimbus Functions
// output. A tail follows its backend across restarts (src/client/follow.ts) and ends when that backend is no longer
// the connected one (stopped, or another one connected), so it does not retry a backend nobody uses.

import * as vscode from 'vscode';
import { followLogs } from '../client/follow';
import type { Connection } from './backends';
import type { Ctx } from './ctx';

interface Tail {
  stop: AbortController;
  backend: Connection;
}

export class LogTails implements vscode.Disposable {
  private readonly tails = new Map<string, Tail>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.subscription = ctx.backends.onDidChange(() => {
      for (const [name, { stop, backend }] of this.tails) {
        if (backend === ctx.backends.current) continue;
        stop.abort();
        ctx.functionOutput.appendLine(`--- stopped tailing ${name}: its backend is no longer connected ---`);
      }
    });
  }

  /** Functions with a tail open now. */
  names(): string[] {
    return [...this.tails.keys()];
  }

  /** Starts (or restarts) the tail of a function on the connected backend; resolves once its stream is open. */
  async start(name: string): Promise<void> {
    const { ctx } = this;
    const connection = ctx.backends.requireConnection();
    this.tails.get(name)?.stop.abort();
    const tail: Tail = { stop: new AbortController(), backend: connection };
    this.tails.set(name, tail);
    const say = (text: string) => ctx.functionOutput.appendLine(`--- ${text} ---`);
    let opened!: () => void;
    const connected = new Promise<void>((resolve) => (opened = resolve));
    const following = followLogs(connection.client, name, {
      // New lines only: what was written before is in the tree's recent invocations (and often already here).
      since: new Date().toISOString(),
      onLine: (line) => ctx.appendFunctionLog(line),
      onStatus: (status) => {
        if (status.state === 'connected') {
          say(`tailing ${name} on ${connection.url}`);
          opened();
        } else if (status.state === 'reconnected') {
          say(`back on ${connection.url}; the lines written meanwhile are above`);
        } else if (status.attempt === 1) {
          say(`lost the log stream of ${name} (${status.error.message}); reconnecting`);
        }
      },
      signal: tail.stop.signal,
    }).finally(() => this.tails.get(name) === tail && this.tails.delete(name));
    // A failure before the stream opened is the caller's; one after ends the tail with a line saying why.
    await Promise.race([connected, following]);
    following.catch((error: unknown) => say(`the tail of ${name} ended: ${error instanceof Error ? error.message : String(error)}`));
  }

  dispose(): void {
    this.subscription.dispose();
    for (const tail of this.tails.values()) tail.stop.abort();
  }
}
