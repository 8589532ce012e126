// Backend layer: the standalone entry — `node dist/backend.js [--port 7700] [--data DIR] [--host 127.0.0.1] [--sandbox LEVEL]`,
// the same options as `nimbus backend`.

import { parseArgs } from 'node:util';
import { isNimbusError } from '../shared/errors';
import { backendFlags, backendUsage, serveOptionsFrom, serveUntilAborted } from './serve';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(backendUsage);
    return 0;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: backendFlags, strict: true }));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\nRun \`node dist/backend.js --help\` for its options.\n`);
    return 2;
  }
  const shutdown = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => shutdown.abort());
  await serveUntilAborted(serveOptionsFrom(values, { cwd: process.cwd(), env: process.env, stderr: process.stderr, signal: shutdown.signal }));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${isNimbusError(error) ? `${error.message} (${error.code})` : String(error)}\n`);
    process.exit(isNimbusError(error) && error.code === 'USAGE' ? 2 : 1);
  },
);
