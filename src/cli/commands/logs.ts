// CLI layer: `nimbus logs` — a deployed function's stored log lines, and with --follow its live tail.

import { NimbusError } from '../../shared/errors';
import { formatLogLine, type LogLine } from '../../shared/invocation';
import type { CliCommand } from '../command';
import { backendClient, backendConnectionHelp, backendConnectionOptions } from '../backendConnection';

export const logsCommand: CliCommand = {
  name: 'logs',
  summary: 'Show the logs of a deployed function (--follow to tail them live)',
  usage: `nimbus logs <function> [--follow] [--since TIME|SEQUENCE] [--limit N] [--backend URL] [--token TOKEN]

Prints the function's latest stored log lines (console output and REPORT lines) on stdout, oldest first.

Options:
  --follow         keep printing new lines as the function writes them, until Ctrl-C
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
    // The live stream opens first, so no line falls between the stored pages and the tail; lines seen in both print once.
    const live: LogLine[] = [];
    let caughtUp = false;
    const printed = new Set<string>();
    const key = (line: LogLine) => `${line.time}\u0000${line.requestId}\u0000${line.message}`;
    const tail = client.tailLogs(name, (line) => {
      if (!caughtUp) live.push(line);
      else if (!printed.has(key(line))) print(line);
    });
    const stop = () => tail.dispose();
    io.signal.addEventListener('abort', stop, { once: true });
    try {
      await tail.opened;
      for (const line of (await client.logs(name, page)).lines) {
        printed.add(key(line));
        print(line);
      }
      for (const line of live.splice(0)) if (!printed.has(key(line))) print(line);
      caughtUp = true;
      printed.clear();
      await tail.closed;
    } finally {
      io.signal.removeEventListener('abort', stop);
      tail.dispose();
    }
    if (!io.signal.aborted) io.stderr.write('The backend closed the log stream.\n');
    return 0;
  },
};
