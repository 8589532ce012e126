// Backend layer: the bearer token guarding /api/v1 — from NIMBUS_TOKEN, or generated on first start, stored hashed in
// the metadata store and written once to a 0600 file so the local CLI and extension can read it.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NimbusError } from '../shared/errors';
import type { MetadataStore } from './store';

/** File in the data dir holding the generated token (owner read/write only). */
export const tokenFileName = 'token';

export class TokenGuard {
  private constructor(private readonly expectedHash: Buffer) {}

  /**
   * The guard for a data dir. With `token` given (NIMBUS_TOKEN) that token is the one accepted; otherwise the stored
   * one is, or on the first start a generated one: `generated` holds it, and `keep()` stores it (hashed) and writes
   * its file — called once the backend is up, so a start that fails keeps nothing and the next one prints a token.
   */
  static open(store: MetadataStore, dataDir: string, token: string | undefined): { guard: TokenGuard; generated?: string; keep(): void } {
    if (token) return { guard: new TokenGuard(hash(token)), keep: () => undefined };
    const stored = store.getMeta('tokenSha256');
    if (stored) return { guard: new TokenGuard(Buffer.from(stored, 'hex')), keep: () => undefined };
    const generated = randomBytes(24).toString('base64url');
    return {
      guard: new TokenGuard(hash(generated)),
      generated,
      keep: () => {
        writeFileSync(join(dataDir, tokenFileName), generated + '\n', { mode: 0o600 });
        store.setMeta('tokenSha256', hash(generated).toString('hex'));
      },
    };
  }

  /** Throws BACKEND_UNAUTHORIZED (401) unless `Authorization: Bearer <token>` carries the token. */
  require(authorization: string | undefined): void {
    if (!this.accepts(TokenGuard.tokenOf(authorization))) {
      throw new NimbusError('BACKEND_UNAUTHORIZED', 'a valid bearer token is required (Authorization: Bearer <token>); set NIMBUS_TOKEN or pass --token');
    }
  }

  /** Constant-time: both sides are hashed to equal length before the comparison. */
  accepts(token: string | undefined): boolean {
    if (!token) return false;
    return timingSafeEqual(hash(token), this.expectedHash);
  }

  /** The token of `Authorization: Bearer <token>`, or of a `token` query parameter (browsers can't set WebSocket headers). */
  static tokenOf(authorization: string | undefined, queryToken?: string): string | undefined {
    const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
    return match ? match[1] : queryToken;
  }
}

function hash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
