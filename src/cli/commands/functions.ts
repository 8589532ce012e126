// CLI layer: `nimbus functions` — the functions deployed on the backend.

import type { CliCommand } from '../command';
import { backendClient, backendConnectionHelp, backendConnectionOptions } from '../backendConnection';

export const functionsCommand: CliCommand = {
  name: 'functions',
  summary: 'List the functions deployed on the Nimbus backend',
  usage: `nimbus functions [--json] [--backend URL] [--token TOKEN]

Lists the deployed functions: active version, runtime, memory, timeout, triggers and URL.

Options:
  --json           print the list as one JSON value
${backendConnectionHelp}
`,
  options: {
    json: { type: 'boolean' },
    ...backendConnectionOptions,
  },
  positionals: [0, 0],
  async run(args, io) {
    const client = backendClient(args.values, io);
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
