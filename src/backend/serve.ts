// Backend layer: runs the backend in the foreground until a signal — shared by `node dist/backend.js` and
// `nimbus backend`. Prints the address (and a generated token, once) on stderr.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { NimbusError } from '../shared/errors';
import type { SandboxLevel } from '../executor/api';
import { createLogger } from '../shared/logger';
import { startBackend, type RunningBackend } from './server';

/** The flags of `nimbus backend` and `node dist/backend.js`, declared once for both (node:util parseArgs shape). */
export const backendFlags = {
  port: { type: 'string', default: '7700' },
  data: { type: 'string', default: '.nimbus/backend' },
  host: { type: 'string', default: '127.0.0.1' },
  sandbox: { type: 'string' },
  'retain-days': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

export const backendUsage = `nimbus backend [--port 7700] [--data DIR] [--host 127.0.0.1] [--tls-cert FILE --tls-key FILE]
               [--sandbox LEVEL] [--retain-days N] [--verbose]
   (or: node dist/backend.js with the same options)

Runs the Nimbus backend until Ctrl-C, then drains in-flight invocations and stops. The API token comes
from $NIMBUS_TOKEN, or is generated on first start, printed once and kept in DIR/token (mode 0600).

Options:
  --port N      port to listen on (default 7700; 0 picks a free one)
  --data DIR    where functions, logs and objects are kept (default .nimbus/backend)
  --host HOST   address to bind (default 127.0.0.1; anything else is reachable from the network: give it TLS)
  --tls-cert FILE, --tls-key FILE
                serve HTTPS (and WSS for log tails) with this PEM certificate chain and its private key.
                Clients must trust the certificate's CA; for a private CA, NODE_EXTRA_CA_CERTS=ca.pem
  --sandbox L   how functions are isolated: strict (default), node or none
  --retain-days N
                keep invocation records and log lines for N days, then drop them (default: keep them all;
                the metrics' counters and cost stay whole)
  --verbose     log every request
`;

/** ServeOptions from parsed backendFlags. */
export function serveOptionsFrom(
  values: {
    port?: unknown;
    data?: unknown;
    host?: unknown;
    sandbox?: unknown;
    'retain-days'?: unknown;
    'tls-cert'?: unknown;
    'tls-key'?: unknown;
    verbose?: unknown;
  },
  context: { cwd: string; env: NodeJS.ProcessEnv; stderr: ServeOptions['stderr']; signal: AbortSignal },
): ServeOptions {
  return {
    port: Number(values.port),
    host: String(values.host),
    dataDir: resolve(context.cwd, String(values.data)),
    token: context.env.NIMBUS_TOKEN || undefined,
    sandbox: values.sandbox as string | undefined,
    retainDays: values['retain-days'] as string | undefined,
    ...(typeof values['tls-cert'] === 'string' ? { tlsCert: resolve(context.cwd, values['tls-cert']) } : {}),
    ...(typeof values['tls-key'] === 'string' ? { tlsKey: resolve(context.cwd, values['tls-key']) } : {}),
    verbose: values.verbose === true,
    stderr: context.stderr,
    signal: context.signal,
  };
}

export interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
  token?: string;
  /** strict (default), node or none. */
  sandbox?: string;
  /** Days invocation records and log lines are kept, as typed; default forever. */
  retainDays?: string;
  /** PEM files of the certificate chain and its key (absolute paths): the backend then serves HTTPS. */
  tlsCert?: string;
  tlsKey?: string;
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
  const retention = retentionOf(options.retainDays);
  const tls = tlsOf(options.tlsCert, options.tlsKey);
  if (!tls && !isLoopback(options.host)) {
    options.stderr.write(
      `warning: the backend listens on ${options.host} without TLS; tokens and code travel in clear text. ` +
        'Give it --tls-cert and --tls-key, put it behind a TLS proxy, or bind 127.0.0.1.\n',
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
    ...(retention ? { retention } : {}),
    ...(tls ? { tls } : {}),
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

function retentionOf(value: string | undefined): { days: number } | undefined {
  if (value === undefined) return undefined;
  const days = Number(value);
  if (value.trim() === '' || !Number.isFinite(days) || days <= 0) {
    throw new NimbusError('USAGE', `--retain-days must be a number of days above 0, e.g. --retain-days 30 (got '${value}')`);
  }
  return { days };
}

/** Both PEM files read and checked to form a usable certificate and key, or neither given. */
function tlsOf(certFile: string | undefined, keyFile: string | undefined): { cert: Buffer; key: Buffer } | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new NimbusError('USAGE', `--tls-cert and --tls-key go together: give both PEM files (got only --${certFile ? 'tls-cert' : 'tls-key'})`);
  }
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new NimbusError('USAGE', `cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; give the path of a PEM file`);
    }
  };
  const tls = { cert: read('--tls-cert', certFile), key: read('--tls-key', keyFile) };
  try {
    createSecureContext(tls);
  } catch (error) {
    throw new NimbusError(
      'USAGE',
      `--tls-cert ${certFile} and --tls-key ${keyFile} are not a usable PEM certificate and its private key (${(error as Error).message}); ` +
        'check that the key belongs to the certificate',
    );
  }
  return tls;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
