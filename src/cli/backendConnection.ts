// CLI layer: the --backend/--token options every backend command takes, declared once, and the client they give.

import { connect, type BackendClient } from '../client';
import { NimbusError } from '../shared/errors';
import type { CliIO, ParsedArgs } from './command';

export const backendConnectionOptions = {
  backend: { type: 'string' },
  token: { type: 'string' },
} as const;

export const backendConnectionHelp = `  --backend URL    the backend (default: $NIMBUS_BACKEND or http://127.0.0.1:7700)
  --token TOKEN    its API token (default: $NIMBUS_TOKEN, or the token of a local backend in .nimbus/backend of
                   the working folder or the nearest folder above it)`;

export function backendClient(values: ParsedArgs['values'], io: CliIO): BackendClient {
  const backend = values.backend as string | undefined;
  // The same order as resolveConnection: the flag, then the environment.
  if (backend) checkBackendUrl('--backend', backend);
  else if (io.env.NIMBUS_BACKEND) checkBackendUrl('NIMBUS_BACKEND', io.env.NIMBUS_BACKEND);
  return connect({ backend, token: values.token as string | undefined, env: io.env, cwd: io.cwd });
}

/** Without a scheme (`127.0.0.1:7810`) fetch fails as if nothing listened there: say what to write instead. */
function checkBackendUrl(source: string, value: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new NimbusError('USAGE', `${source} must be a URL such as http://127.0.0.1:7700 (got '${value}')`);
  }
}
