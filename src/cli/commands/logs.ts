// CLI layer: `nimbus logs` — a deployed function's stored log lines, and with --follow its live tail.

import { NimbusError } from '../../shared/errors';
import { followLogs } from '../../client';
import { formatLogLine, type LogLine } from '../../shared/invocation';
import type { CliCommand } from '../command';
import { backendClient, backendConnectionHelp, backendConnectionOptions } from '../backendConnection';

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: 'Show the logs of a deployed function (--follow to tail them live)',
  usage: `nimbus logs <function> [--follow] [--since TIME|SEQUENCE] [--limit N] [--backend URL] [--token TOKEN]

Prints the function's latest stored log lines (console output and REPORT lines) on stdout, oldest first.

Options:
  --follow         keep printing new lines as the function writes them, until Ctrl-C; when the stream
                   drops (the backend restarted) it reconnects and prints what was written meanwhile
  --since VALUE    start after this sequence number or at this ISO time
  --limit N        at most N stored lines (default 100): the newest ones, or the first ones after --since
${backendConnectionHelp}
`,
  options: {
    follow: { type: 'boolean', short: 'f' },
    since: { type: 'string' },
    limit: { type: 'string' },
    ...backendConnectionOptions,
  },
  positionals: [1, 1],
  async run(args, io) {
    const name = args.positionals[0]!;
    const limit = args.values.limit === undefined ? 100 : Number(args.values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new NimbusError('USAGE', `nimbus logs: --limit must be a number from 1 to 1000 (got '${String(args.values.limit)}')`);
    }
    const client = backendClient(args.values, io);
    const print = (line: LogLine) => io.stdout.write(formatLogLine(line) + '\n');
    const since = args.values.since as string | undefined;
    const page = { since, limit, newest: since === undefined };
    if (!args.values.follow) {
      for (const line of (await client.logs(name, page)).lines) print(line);
      return 0;
    }
    await followLogs(client, name, {
      since,
      limit,
      onLine: print,
      onStatus: (status) => {
        if (status.state === 'reconnected') io.stderr.write('Reconnected; the lines written meanwhile are printed above.\n');
        else if (status.state === 'reconnecting' && status.attempt === 1) io.stderr.write(`Lost the log stream (${status.error.message}); reconnecting… (Ctrl-C to stop)\n`);
      },
      signal: io.signal,
    });
    return 0;
  },
};
