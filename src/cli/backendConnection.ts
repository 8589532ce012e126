// CLI layer: the --backend/--token options every backend command takes, declared once, and the client they give.

import { connect, type BackendClient } from '../client';
import type { CliIO, ParsedArgs } from './command';

export const backendConnectionOptions = {
  backend: { type: 'string' },
  token: { type: 'string' },
} as const;

export const backendConnectionHelp = `  --backend URL    the backend (default: $NIMBUS_BACKEND or http://127.0.0.1:7700)
  --token TOKEN    its API token (default: $NIMBUS_TOKEN, or the token of a local backend in .nimbus/backend)`;

export function backendClient(values: ParsedArgs['values'], io: CliIO): BackendClient {
  return connect({ backend: values.backend as string | undefined, token: values.token as string | undefined, env: io.env, cwd: io.cwd });
}
