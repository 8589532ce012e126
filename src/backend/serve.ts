// Backend layer: runs the backend in the foreground until a signal — shared by `node dist/backend.js` and
// `nimbus backend`. Prints the address (and a generated token, once) on stderr.

import { isIP } from 'node:net';
import { NimbusError } from '../shared/errors';
import type { SandboxLevel } from '../executor/api';
import { createLogger } from '../shared/logger';
import { startBackend, type RunningBackend } from './server';

export interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
  token?: string;
  /** strict (default), node or none. */
  sandbox?: string;
  verbose?: boolean;
  stderr: { write(text: string): void };
  /** Aborted on SIGINT/SIGTERM: the backend then shuts down gracefully. */
  signal: AbortSignal;
}

/** Resolves after a graceful stop. */
export async function serveUntilAborted(options: ServeOptions): Promise<void> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new NimbusError('USAGE', `--port must be a number from 0 to 65535; got ${options.port}`);
  }
  const sandbox = sandboxLevel(options.sandbox);
  if (!isLoopback(options.host)) {
    options.stderr.write(
      `warning: the backend listens on ${options.host} without TLS; tokens and code travel in clear text. Put it behind a TLS proxy or bind 127.0.0.1.\n`,
    );
  }
  const logger = createLogger({ level: options.verbose ? 'debug' : 'info', write: (line) => options.stderr.write(line + '\n'), prefix: 'backend' });
  const backend: RunningBackend = await startBackend({
    port: options.port,
    host: options.host,
    dataDir: options.dataDir,
    token: options.token,
    sandbox,
    logger,
  });
  if (backend.generatedToken) {
    options.stderr.write(
      `Generated the API token (shown once; also in ${backend.dataDir}/token, readable only by you):\n  ${backend.generatedToken}\n`,
    );
  }
  options.stderr.write(`Nimbus backend listening on ${backend.url} (data in ${backend.dataDir})\n`);
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  options.stderr.write('Shutting down: draining in-flight invocations…\n');
  await backend.close();
}

function sandboxLevel(value: string | undefined): SandboxLevel | undefined {
  if (value === undefined || value === 'strict' || value === 'node' || value === 'none') return value;
  throw new NimbusError('USAGE', `--sandbox must be strict, node or none (got '${value}')`);
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
