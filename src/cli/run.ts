// CLI layer: parses argv, dispatches to a subcommand and turns errors into the exit codes of DESIGN §4.

import { parseArgs } from 'node:util';
import { NimbusError, exitCodeOf, isNimbusError } from '../shared/errors';
import type { CliCommand, CliIO } from './command';

/** A command known by name, loaded only when it runs (or for the overview): startup stays light. */
export interface CommandEntry {
  name: string;
  load(): Promise<CliCommand>;
}

export const cliVersion = '0.1.0';

function overview(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'nimbus — write, run, debug and deploy event-driven functions',
    '',
    'Usage: nimbus <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `nimbus <command> --help` for the options of a command.',
    '',
    'Exit codes: 0 done, 1 the function threw or timed out, 2 a usage or manifest error, 3 anything else',
    '(the backend unreachable or refusing, a function not deployed, an internal error).',
    '',
  ].join('\n');
}

/** Finds the command named by the first one or two words of argv (`events generate` is two). */
function findCommand(commands: readonly CommandEntry[], argv: string[]): { command?: CommandEntry; rest: string[] } {
  const two = argv.slice(0, 2).join(' ');
  const byTwo = commands.find((command) => command.name === two);
  if (byTwo) return { command: byTwo, rest: argv.slice(2) };
  const byOne = commands.find((command) => command.name === argv[0]);
  return { command: byOne, rest: argv.slice(1) };
}

function usageError(message: string, hint: string): NimbusError {
  return new NimbusError('USAGE', `${message}\n${hint}`);
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIO, commands: readonly CommandEntry[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? io.stderr : io.stdout).write(overview(await Promise.all(commands.map((entry) => entry.load()))));
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout.write(cliVersion + '\n');
    return 0;
  }
  const { command: entry, rest } = findCommand(commands, argv);
  try {
    const command = await entry?.load();
    if (!command) {
      const group = commands.filter((candidate) => candidate.name.startsWith(argv[0] + ' '));
      // `nimbus events --help`: the usage of each command of the group.
      if (group.length && (argv[1] === '--help' || argv[1] === '-h')) {
        for (const member of await Promise.all(group.map((candidate) => candidate.load()))) io.stdout.write(member.usage.endsWith('\n') ? member.usage : member.usage + '\n');
        return 0;
      }
      if (group.length) {
        throw usageError(
          `nimbus ${argv[0]}: expected one of: ${group.map((candidate) => candidate.name).join(', ')}`,
          'Run `nimbus --help` to see every command.',
        );
      }
      throw usageError(`nimbus: unknown command '${argv[0]}'`, 'Run `nimbus --help` to see every command.');
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw usageError(`nimbus ${command.name}: ${reason}`, `Run \`nimbus ${command.name} --help\` for its options.`);
    }
    const [min, max] = command.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw usageError(
        `nimbus ${command.name}: expected ${expected} argument(s), got ${parsed.positionals.length}`,
        `Usage: ${command.usage.split('\n')[0]}`,
      );
    }
    return await command.run({ values: parsed.values, positionals: parsed.positionals }, io);
  } catch (error) {
    return reportError(error, io);
  }
}

/** Prints an error the way every command's errors are printed (a sentence, or the stack of a bug) and returns its exit code. */
export function reportError(error: unknown, io: Pick<CliIO, 'stderr'>): number {
  if (isNimbusError(error)) {
    io.stderr.write(`error: ${error.message}\n`);
    return exitCodeOf(error.code);
  }
  io.stderr.write(`internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  return 3;
}
