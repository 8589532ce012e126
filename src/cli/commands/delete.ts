// CLI layer: `nimbus delete` — removes a function (all its versions, logs and routes) from the backend.

import { connect } from '../../client';
import type { CliCommand } from '../command';

export const deleteCommand: CliCommand = {
  name: 'delete',
  summary: 'Delete a deployed function from the Nimbus backend',
  usage: `nimbus delete <function> [--backend URL] [--token TOKEN]

Removes the function with all its versions, logs, metrics and routes from the backend.

Options:
  --backend URL    the backend (default: $NIMBUS_BACKEND or http://127.0.0.1:7700)
  --token TOKEN    its API token (default: $NIMBUS_TOKEN, or the token of a local backend in .nimbus/backend)
`,
  options: {
    backend: { type: 'string' },
    token: { type: 'string' },
  },
  positionals: [1, 1],
  async run(args, io) {
    const name = args.positionals[0]!;
    const client = connect({ backend: args.values.backend as string | undefined, token: args.values.token as string | undefined, env: io.env, cwd: io.cwd });
    await client.deleteFunction(name);
    io.stderr.write(`Deleted ${name} from ${client.url}\n`);
    return 0;
  },
};
