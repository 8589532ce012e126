// CLI layer: `nimbus functions` — the functions deployed on the backend.

import { connect } from '../../client';
import type { CliCommand } from '../command';

export const functionsCommand: CliCommand = {
  name: 'functions',
  summary: 'List the functions deployed on the Nimbus backend',
  usage: `nimbus functions [--json] [--backend URL] [--token TOKEN]

Lists the deployed functions: active version, runtime, memory, timeout, triggers and URL.

Options:
  --json           print the list as one JSON value
  --backend URL    the backend (default: $NIMBUS_BACKEND or http://127.0.0.1:7700)
  --token TOKEN    its API token (default: $NIMBUS_TOKEN, or the token of a local backend in .nimbus/backend)
`,
  options: {
    json: { type: 'boolean' },
    backend: { type: 'string' },
    token: { type: 'string' },
  },
  positionals: [0, 0],
  async run(args, io) {
    const client = connect({ backend: args.values.backend as string | undefined, token: args.values.token as string | undefined, env: io.env, cwd: io.cwd });
    const functions = await client.listFunctions();
    if (args.values.json) {
      io.stdout.write(JSON.stringify(functions, null, 2) + '\n');
      return 0;
    }
    if (functions.length === 0) {
      io.stderr.write(`No functions deployed on ${client.url}; deploy one with \`nimbus deploy\`.\n`);
      return 0;
    }
    const rows = [
      ['NAME', 'VERSION', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'TRIGGERS', 'URL'],
      ...functions.map((fn) => [
        fn.name,
        String(fn.version),
        fn.runtime,
        `${fn.memory} MB`,
        `${fn.timeout} s`,
        fn.triggers.map((trigger) => trigger.type).join(',') || '-',
        fn.url ?? '-',
      ]),
    ];
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    for (const row of rows) io.stdout.write(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd() + '\n');
    return 0;
  },
};
