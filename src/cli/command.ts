// CLI layer: the shape every `nimbus` subcommand has. Each command lives in src/cli/commands/<name>.ts.

import type { ParseArgsConfig } from 'node:util';

export interface CliIO {
  /** The command's machine-readable output (DESIGN §4: `invoke` prints exactly one JSON value here). */
  stdout: { write(text: string): void };
  /** Logs, progress, REPORT lines and errors. */
  stderr: { write(text: string): void };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C / SIGTERM: long-running commands (serve, backend, logs --follow) stop cleanly. */
  signal: AbortSignal;
}

export type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface CliCommand {
  /** As typed: 'invoke', or two words for a group: 'events generate'. */
  name: string;
  /** One line for `nimbus --help`. */
  summary: string;
  /** Full help text printed by `nimbus <command> --help`. */
  usage: string;
  options: CliOptions;
  /** How many positionals are accepted (min, max). */
  positionals: [number, number];
  /** Returns the process exit code. Throw a NimbusError for user errors; the CLI prints it and exits with its code. */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}
