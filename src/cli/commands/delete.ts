// CLI layer: `nimbus delete` — removes a function (all its versions, logs and routes) from the backend.

import type { CliCommand } from '../command';
import { backendClient, backendConnectionHelp, backendConnectionOptions } from '../backendConnection';

export const deleteCommand: CliCommand = {
  name: 'delete',
  summary: 'Delete a deployed function from the Nimbus backend',
  usage: `nimbus delete <function> [--backend URL] [--token TOKEN]

Removes the function with all its versions, logs, metrics and routes from the backend.

Options:
${backendConnectionHelp}
`,
  options: {
    ...backendConnectionOptions,
  },
  positionals: [1, 1],
  async run(args, io) {
    const name = args.positionals[0]!;
    const client = backendClient(args.values, io);
    await client.deleteFunction(name);
    io.stderr.write(`Deleted ${name} from ${client.url}\n`);
    return 0;
  },
};
