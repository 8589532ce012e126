// CLI layer: `nimbus backend` — runs the companion FaaS backend in the foreground until Ctrl-C.

import { resolve } from 'node:path';
import { serveUntilAborted } from '../../backend/serve';
import type { CliCommand } from '../command';

export const backendCommand: CliCommand = {
  name: 'backend',
  summary: 'Start the companion FaaS backend (deploy target, triggers, logs, metrics)',
  usage: `nimbus backend [--port 7700] [--data DIR] [--host 127.0.0.1] [--sandbox LEVEL] [--verbose]

Runs the Nimbus backend until Ctrl-C, then drains in-flight invocations and stops. The API token comes
from $NIMBUS_TOKEN, or is generated on first start, printed once and kept in DIR/token (mode 0600).

Options:
  --port N      port to listen on (default 7700; 0 picks a free one)
  --data DIR    where functions, logs and objects are kept (default .nimbus/backend)
  --host HOST   address to bind (default 127.0.0.1; anything else is reachable without TLS)
  --sandbox L   how functions are isolated: strict (default), node or none
  --verbose     log every request
`,
  options: {
    port: { type: 'string', default: '7700' },
    data: { type: 'string', default: '.nimbus/backend' },
    host: { type: 'string', default: '127.0.0.1' },
    sandbox: { type: 'string' },
    verbose: { type: 'boolean' },
  },
  positionals: [0, 0],
  async run(args, io) {
    await serveUntilAborted({
      port: Number(args.values.port),
      host: String(args.values.host),
      dataDir: resolve(io.cwd, String(args.values.data)),
      token: io.env.NIMBUS_TOKEN || undefined,
      sandbox: args.values.sandbox as string | undefined,
      verbose: args.values.verbose === true,
      stderr: io.stderr,
      signal: io.signal,
    });
    return 0;
  },
};
