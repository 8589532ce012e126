// Client layer: where the backend is and which token to send — flag, then environment (NIMBUS_BACKEND /
// NIMBUS_TOKEN), then for a local backend the token file it wrote into its data dir.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** A backend on this machine: the only kind whose token is read from a file. */
function isLocalBackend(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

/**
 * `nimbus backend` keeps its token in `.nimbus/backend/token` of the folder it was started in — usually the project
 * root, while commands also run from its subfolders (as nimbus.yaml is found): the nearest such file from `cwd` up.
 */
function localToken(url: string, cwd: string): string | undefined {
  if (!isLocalBackend(url)) return undefined;
  for (let folder = cwd; ; folder = dirname(folder)) {
    const token = readToken(join(folder, '.nimbus', 'backend', 'token'));
    if (token !== undefined) return token;
    if (dirname(folder) === folder) return undefined;
  }
}

function readToken(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
