// Client layer: where the backend is and which token to send — flag, then environment (NIMBUS_BACKEND /
// NIMBUS_TOKEN), then for a local backend the token file it wrote into its data dir.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendClient, defaultBackendUrl } from './client';

export interface ConnectionInput {
  /** --backend */
  backend?: string;
  /** --token */
  token?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function resolveConnection(input: ConnectionInput): { url: string; token?: string } {
  const url = input.backend || input.env.NIMBUS_BACKEND || defaultBackendUrl;
  const token = input.token || input.env.NIMBUS_TOKEN || localToken(url, input.cwd);
  return token ? { url, token } : { url };
}

export function connect(input: ConnectionInput): BackendClient {
  return new BackendClient(resolveConnection(input));
}

/** `nimbus backend` started in this folder keeps its token in `.nimbus/backend/token`. */
function localToken(url: string, cwd: string): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return undefined;
  }
  if (hostname !== '127.0.0.1' && hostname !== 'localhost' && hostname !== '[::1]') return undefined;
  try {
    return readFileSync(join(cwd, '.nimbus', 'backend', 'token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
