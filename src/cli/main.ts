// CLI layer: the `nimbus` entry point (dist/cli.js) — wires the subcommands to the process.

import type { CliIO } from './command';
import { runCli, type CommandEntry } from './run';

// Each command loads only when it runs: `nimbus invoke` does not pay for the backend, debugger or deploy code.
const commands: CommandEntry[] = [
  { name: 'init', load: () => import('./commands/init').then((module) => module.initCommand) },
  { name: 'invoke', load: () => import('./commands/invoke').then((module) => module.invokeCommand) },
  { name: 'events generate', load: () => import('./commands/events').then((module) => module.eventsGenerateCommand) },
  { name: 'serve', load: () => import('./commands/serve').then((module) => module.serveCommand) },
  { name: 'deploy', load: () => import('./commands/deploy').then((module) => module.deployCommand) },
  { name: 'functions', load: () => import('./commands/functions').then((module) => module.functionsCommand) },
  { name: 'logs', load: () => import('./commands/logs').then((module) => module.logsCommand) },
  { name: 'delete', load: () => import('./commands/delete').then((module) => module.deleteCommand) },
  { name: 'rollback', load: () => import('./commands/rollback').then((module) => module.rollbackCommand) },
  { name: 'backend', load: () => import('./commands/backend').then((module) => module.backendCommand) },
  { name: 'debug-adapter', load: () => import('./commands/debugAdapter').then((module) => module.debugAdapterCommand) },
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

/** A stream whose reader went away (`nimbus functions | head -1`) drops further writes instead of crashing on EPIPE. */
function watchedOutput(stream: NodeJS.WriteStream): { write(text: string): void; readonly readerGone: boolean } {
  let readerGone = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // Writes already queued when the reader left fail as well, on the stream destroyed by the first EPIPE.
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    if (readerGone) return;
    readerGone = true;
    // Nobody reads what long-running commands (serve, backend, logs --follow) would print: they stop as on Ctrl-C.
    controller.abort();
  });
  return {
    write: (text) => {
      if (!readerGone) stream.write(text);
    },
    get readerGone() {
      return readerGone;
    },
  };
}

const stdout = watchedOutput(process.stdout);
const io: CliIO = {
  stdout,
  stderr: watchedOutput(process.stderr),
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
};

runCli(process.argv.slice(2), io, commands).then((code) => {
  // Like `git log | head`: a reader that took what it wanted is not a failure.
  process.exitCode = stdout.readerGone ? 0 : code;
});
