// CLI layer: finds and loads the manifest named by --manifest, or the nearest nimbus.yaml above the working folder.

import { resolve } from 'node:path';
import { NimbusError } from '../shared/errors';
import { findManifest, loadManifest } from '../shared/manifest';
import type { Manifest } from '../shared/manifest/model';

export async function manifestPathFrom(option: unknown, cwd: string): Promise<string> {
  if (typeof option === 'string') return resolve(cwd, option);
  const found = await findManifest(cwd);
  if (!found) {
    throw new NimbusError(
      'MANIFEST_NOT_FOUND',
      `no nimbus.yaml in ${cwd} or any folder above it. Create one with \`nimbus init\`, or pass --manifest FILE.`,
    );
  }
  return found;
}

/**
 * The manifest --manifest names, or the nearest one; its warnings go to `stderr` when given. With `only`, the
 * functions about to run: other functions' handler problems are then warnings (see LoadOptions).
 */
export async function loadManifestOption(option: unknown, cwd: string, stderr?: { write(text: string): void }, only?: readonly string[]): Promise<Manifest> {
  return loadManifest(await manifestPathFrom(option, cwd), {
    ...(stderr ? { onWarning: (warning: string) => stderr.write(`warning: ${warning}\n`) } : {}),
    ...(only ? { only } : {}),
  });
}
