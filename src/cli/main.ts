// CLI layer: the `nimbus` entry point (dist/cli.js) — wires the subcommands to the process.

import type { CliCommand, CliIO } from './command';
import { runCli } from './run';
import { initCommand } from './commands/init';
import { invokeCommand } from './commands/invoke';
import { eventsGenerateCommand } from './commands/events';
import { serveCommand } from './commands/serve';
import { debugAdapterCommand } from './commands/debugAdapter';
import { deployCommand } from './commands/deploy';
import { functionsCommand } from './commands/functions';
import { logsCommand } from './commands/logs';
import { deleteCommand } from './commands/delete';
import { rollbackCommand } from './commands/rollback';
import { backendCommand } from './commands/backend';

const commands: CliCommand[] = [
  initCommand,
  invokeCommand,
  eventsGenerateCommand,
  serveCommand,
  deployCommand,
  functionsCommand,
  logsCommand,
  deleteCommand,
  rollbackCommand,
  backendCommand,
  debugAdapterCommand,
];

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The first Ctrl-C asks long-running commands to stop cleanly; a second one forces the exit.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  });
}

const io: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
};

runCli(process.argv.slice(2), io, commands).then((code) => {
  process.exitCode = code;
});
