// Debug layer: the launch arguments of debug type `nimbus` (DESIGN §5), checked once so the session works with
// well-typed values and every mistake comes back as one sentence a user can act on.

import { dirname, isAbsolute, resolve } from 'node:path';
import { NimbusError } from '../shared/errors';
import { triggerTypes, type TriggerType } from '../shared/manifest/model';

export interface NimbusLaunchArguments {
  /** Absolute path of nimbus.yaml. */
  manifest: string;
  /** The function to debug; optional only with `serve` on a one-function manifest. */
  function?: string;
  event?: unknown;
  /** Absolute path of a JSON event file. */
  eventFile?: string;
  trigger?: TriggerType;
  serve: boolean;
  /** Gateway port with `serve` (0 = a free one; the chosen URL is printed to the Debug Console). */
  port?: number;
  stopOnEntry: boolean;
  /** Hide harness and Node-internal frames and step over them (default true). */
  justMyCode: boolean;
  /** Print every DAP and CDP message to stderr, tagged. */
  trace: boolean;
}

/**
 * Checks raw launch arguments. A relative manifest resolves against `cwd` (the launch's `cwd`, else the adapter's);
 * a relative eventFile against the manifest's folder, where `events/` lives. Unknown attributes are ignored: clients
 * add their own (preLaunchTask, presentation, __sessionId, …).
 */
export function parseLaunchArguments(raw: Record<string, unknown>, processCwd: string): NimbusLaunchArguments {
  const fail = (message: string): never => {
    throw new NimbusError('USAGE', `Invalid launch configuration: ${message}`);
  };
  const optionalString = (key: string): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') fail(`"${key}" must be a non-empty string.`);
    return value as string;
  };
  const optionalBoolean = (key: string, fallback: boolean): boolean => {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') fail(`"${key}" must be true or false.`);
    return value as boolean;
  };

  const cwd = optionalString('cwd') ?? processCwd;
  const manifestValue = optionalString('manifest') ?? 'nimbus.yaml';
  const manifest = isAbsolute(manifestValue) ? manifestValue : resolve(cwd, manifestValue);
  const functionName = optionalString('function');
  const eventFileValue = optionalString('eventFile');
  const trigger = optionalString('trigger');
  if (trigger !== undefined && !triggerTypes.includes(trigger as TriggerType)) {
    fail(`"trigger" must be one of ${triggerTypes.join(', ')} (got "${trigger}").`);
  }
  const sources = [raw.event !== undefined ? 'event' : undefined, eventFileValue ? 'eventFile' : undefined, trigger ? 'trigger' : undefined].filter(Boolean);
  if (sources.length > 1) fail(`give only one of "event", "eventFile" and "trigger" (got ${sources.join(' and ')}).`);
  const serve = optionalBoolean('serve', false);
  if (!serve && functionName === undefined) fail('"function" is required: name the function of nimbus.yaml to debug.');
  let port: number | undefined;
  if (raw.port !== undefined && raw.port !== null) {
    if (typeof raw.port !== 'number' || !Number.isInteger(raw.port) || raw.port < 0 || raw.port > 65535) fail('"port" must be an integer from 0 to 65535.');
    port = raw.port as number;
  }
  return {
    manifest,
    function: functionName,
    event: raw.event,
    eventFile: eventFileValue === undefined ? undefined : isAbsolute(eventFileValue) ? eventFileValue : resolve(dirname(manifest), eventFileValue),
    trigger: trigger as TriggerType | undefined,
    serve,
    port,
    stopOnEntry: optionalBoolean('stopOnEntry', false),
    justMyCode: optionalBoolean('justMyCode', true),
    trace: optionalBoolean('trace', false),
  };
}
