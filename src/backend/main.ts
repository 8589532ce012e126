// Backend layer: the standalone entry — `node dist/backend.js [--port 7700] [--data DIR] [--host 127.0.0.1] [--sandbox LEVEL]`.

import { parseArgs } from 'node:util';
import { isNimbusError } from '../shared/errors';
import { serveUntilAborted } from './serve';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '7700' },
      data: { type: 'string', default: '.nimbus/backend' },
      host: { type: 'string', default: '127.0.0.1' },
      sandbox: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const shutdown = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => shutdown.abort());
  await serveUntilAborted({
    port: Number(values.port),
    host: values.host!,
    dataDir: values.data!,
    token: process.env.NIMBUS_TOKEN || undefined,
    sandbox: values.sandbox,
    verbose: values.verbose,
    stderr: process.stderr,
    signal: shutdown.signal,
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${isNimbusError(error) ? `${error.message} (${error.code})` : String(error)}\n`);
    process.exit(isNimbusError(error) && error.code === 'USAGE' ? 2 : 1);
  },
);
