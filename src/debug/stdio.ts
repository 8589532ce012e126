// Debug layer: runs one Nimbus debug session over a pair of streams (stdio for `dist/debugAdapter.js` and
// `nimbus debug-adapter`) until the client disconnects or the input closes.

import type { Logger } from '../shared/logger';
import { NimbusDebugSession } from './session';

export interface StdioAdapterOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  logger?: Logger;
  cwd?: string;
  /** Aborting stops the session (and its function) as a disconnect would. */
  signal?: AbortSignal;
}

/** Resolves once the session ended and everything it started is stopped. */
export function runDebugAdapter(options: StdioAdapterOptions): Promise<void> {
  return new Promise((resolve) => {
    const session = new NimbusDebugSession({ logger: options.logger, cwd: options.cwd, onDidShutdown: resolve });
    session.start(options.input, options.output);
    // A client that goes away without `disconnect` must not leave the function's process behind.
    options.input.once('end', () => session.shutdown());
    options.input.once('close', () => session.shutdown());
    options.signal?.addEventListener('abort', () => session.shutdown(), { once: true });
  });
}
