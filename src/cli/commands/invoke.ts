// CLI layer: `nimbus invoke` — runs one function once, locally in the sandbox or on the backend (--remote).

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createExecutor } from '../../executor';
import type { SandboxLevel } from '../../executor/api';
import { isNimbusError, NimbusError } from '../../shared/errors';
import { eventTemplate, type TemplateSource } from '../../shared/events';
import { formatLogLine, formatReport, type InvocationResult } from '../../shared/invocation';
import { functionByName } from '../../shared/manifest';
import { triggerTypes } from '../../shared/manifest/model';
import type { CliCommand, CliIO, ParsedArgs } from '../command';
import { loadManifestOption } from '../manifestOption';
import { remoteInvoke } from '../../client';
import { backendClient, backendConnectionHelp, backendConnectionOptions } from '../backendConnection';
import { triggerTypeArgument } from '../triggerType';

const usage = `nimbus invoke <function> [--event FILE | --template TRIGGER | --data JSON] [--manifest FILE] [--remote] [--json]

Runs <function> once with an event and prints its result as JSON on stdout; its logs and the
REPORT line go to stderr. Exit code 0 on success, 1 when the function threw or timed out (the
error as {errorType, errorMessage, stack} on stdout), 2 on a usage or manifest error.

Event (one of; default: the template of the function's first trigger):
  --event FILE        a JSON file, or the name of a saved event in .nimbus/events/<function>/
  --template TRIGGER  the template event of a trigger type: ${triggerTypes.join(', ')}
  --data JSON         the event itself, inline

Options:
  --manifest FILE     nimbus.yaml to use (default: the nearest one above the working folder)
  --remote            invoke the deployed function on the backend instead of locally
  --sandbox LEVEL     strict (default), node or none
  --json              print the whole invocation (result, logs, report) as one JSON value

With --remote the deployed function runs, and no local project is needed: the default and --template
events come from its deployed triggers, and --event FILE is a path (or a saved event of the project here).
${backendConnectionHelp}
`;

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NimbusError('EVENT_INVALID', `${origin} is not valid JSON: ${(error as Error).message}`);
  }
}

/** `root`: the project whose saved events may hold it (none for a remote function without a local project). */
async function readEventFile(option: string, fn: TemplateSource, root: string | undefined, cwd: string): Promise<unknown> {
  const candidates = [resolve(cwd, option)];
  if (root !== undefined) candidates.push(join(root, '.nimbus', 'events', fn.name, option.endsWith('.json') ? option : option + '.json'));
  for (const file of candidates) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return parseJson(text, file);
  }
  const saved = candidates[1] === undefined ? '' : ` (nor a saved event '${option}' in ${candidates[1]})`;
  throw new NimbusError(
    'EVENT_INVALID',
    `event file not found: ${candidates[0]}${saved}. Generate one with \`nimbus events generate <trigger> --function ${fn.name}\`.`,
  );
}

async function chooseEvent(values: ParsedArgs['values'], fn: TemplateSource, root: string | undefined, cwd: string): Promise<unknown> {
  const given = (['event', 'template', 'data'] as const).filter((key) => values[key] !== undefined);
  if (given.length > 1) {
    throw new NimbusError('USAGE', `nimbus invoke: give only one of --event, --template and --data (got ${given.map((key) => '--' + key).join(', ')})`);
  }
  if (typeof values.data === 'string') return parseJson(values.data, '--data');
  if (typeof values.event === 'string') return readEventFile(values.event, fn, root, cwd);
  if (typeof values.template === 'string') {
    return eventTemplate(fn, triggerTypeArgument(values.template, 'nimbus invoke: --template'));
  }
  const first = fn.triggers[0];
  return first ? eventTemplate(fn, first.type) : {};
}

/** The root of the project in use for saved events: the one --manifest names, else the nearest one, if any. */
async function projectRoot(option: unknown, cwd: string): Promise<string | undefined> {
  try {
    return (await loadManifestOption(option, cwd)).root;
  } catch (error) {
    if (option === undefined && isNimbusError(error) && error.code === 'MANIFEST_NOT_FOUND') return undefined;
    throw error;
  }
}

function sandboxLevel(value: unknown): SandboxLevel | undefined {
  if (value === undefined) return undefined;
  if (value === 'strict' || value === 'node' || value === 'none') return value;
  throw new NimbusError('USAGE', `nimbus invoke: --sandbox must be strict, node or none (got '${String(value)}')`);
}

function printOutcome(outcome: InvocationResult, json: boolean, io: CliIO, logsStreamed: boolean): number {
  if (!logsStreamed) for (const line of outcome.logs) io.stderr.write(formatLogLine(line) + '\n');
  io.stderr.write(formatReport(outcome.report) + '\n');
  if (json) {
    io.stdout.write(JSON.stringify(outcome, null, 2) + '\n');
  } else {
    io.stdout.write(JSON.stringify(outcome.error ?? outcome.result ?? null, null, 2) + '\n');
  }
  return outcome.error ? 1 : 0;
}

export const invokeCommand: CliCommand = {
  name: 'invoke',
  summary: 'Run a function once with an event (locally, or on the backend with --remote)',
  usage,
  positionals: [1, 1],
  options: {
    event: { type: 'string' },
    template: { type: 'string' },
    data: { type: 'string' },
    manifest: { type: 'string' },
    remote: { type: 'boolean' },
    json: { type: 'boolean' },
    sandbox: { type: 'string' },
    ...backendConnectionOptions,
  },
  async run({ values, positionals }, io) {
    const json = values.json === true;
    if (values.remote) {
      const name = positionals[0]!;
      const client = backendClient(values, io);
      // The function is the deployed one: the working folder need not hold its project, nor the same version of it.
      const root = await projectRoot(values.manifest, io.cwd);
      const needsTriggers = values.data === undefined && values.event === undefined;
      const fn: TemplateSource = needsTriggers ? await client.getFunction(name) : { name, triggers: [] };
      const event = await chooseEvent(values, fn, root, io.cwd);
      return printOutcome(await remoteInvoke(client, name, event), json, io, false);
    }
    const manifest = await loadManifestOption(values.manifest, io.cwd, io.stderr, positionals);
    const fn = functionByName(manifest, positionals[0]);
    const event = await chooseEvent(values, fn, manifest.root, io.cwd);
    const executor = createExecutor({
      cacheDir: join(manifest.root, '.nimbus', 'cache'),
      sandbox: sandboxLevel(values.sandbox),
      idleTimeoutMs: 1000,
    });
    try {
      const outcome = await executor.invoke(fn, event, {
        onLog: (line) => io.stderr.write(formatLogLine(line) + '\n'),
      });
      return printOutcome(outcome, json, io, true);
    } finally {
      await executor.dispose();
    }
  },
};
