// CLI layer: `nimbus rollback` — makes an earlier deployed version of a function serve again.

import { NimbusError } from '../../shared/errors';
import type { CliCommand } from '../command';
import { backendClient, backendConnectionHelp, backendConnectionOptions } from '../backendConnection';

export const rollbackCommand: CliCommand = {
  name: 'rollback',
  summary: 'Serve an earlier deployed version of a function again',
  usage: `nimbus rollback <function> [--version N] [--backend URL] [--token TOKEN]

Activates version N of the function (default: the version before the active one). List the versions
with \`nimbus functions --json\` or the Deployed Functions view.

Options:
  --version N      the version to serve
${backendConnectionHelp}
`,
  options: {
    version: { type: 'string' },
    ...backendConnectionOptions,
  },
  positionals: [1, 1],
  async run(args, io) {
    const name = args.positionals[0]!;
    let version: number | undefined;
    if (args.values.version !== undefined) {
      version = Number(args.values.version);
      if (!Number.isInteger(version) || version < 1) {
        throw new NimbusError('USAGE', `nimbus rollback: --version must be a version number like 3 (got '${String(args.values.version)}')`);
      }
    }
    const client = backendClient(args.values, io);
    const result = await client.rollback(name, version);
    io.stderr.write(`${name} now serves version ${result.version}\n`);
    return 0;
  },
};
