// Shared layer (Node): reads nimbus.yaml from disk, validates it fully (handlers included) and finds it from a folder.
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { NimbusError } from '../errors';
import { checkHandlers, type FileAccess } from './check';
import { formatDiagnostic, type Manifest, type ManifestDiagnostic } from './model';
import { parseManifest, sortDiagnostics } from './parse';

export const manifestFileName = 'nimbus.yaml';

export const nodeFileAccess: FileAccess = {
  async readFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  },
};

export interface ManifestCheck {
  manifest?: Manifest;
  diagnostics: ManifestDiagnostic[];
}

/** Parses and checks handlers without throwing; for tools that show every diagnostic (language server, `nimbus validate`). */
export async function checkManifestText(text: string, path: string, files: FileAccess = nodeFileAccess): Promise<ManifestCheck> {
  const { manifest, diagnostics } = parseManifest(text, path);
  if (manifest) diagnostics.push(...(await checkHandlers(manifest, files)));
  return { manifest, diagnostics: sortDiagnostics(diagnostics) };
}

/**
 * Loads a manifest ready to run; throws MANIFEST_NOT_FOUND or MANIFEST_INVALID (with every error, one per line).
 * Warnings (a schedule that never fires) do not stop it: `onWarning` gets each one, formatted, if given.
 */
export async function loadManifest(path: string, files: FileAccess = nodeFileAccess, onWarning?: (warning: string) => void): Promise<Manifest> {
  const absolute = resolve(path);
  const text = await files.readFile(absolute);
  if (text === undefined) {
    throw new NimbusError('MANIFEST_NOT_FOUND',
      `No manifest at ${absolute}. Run \`nimbus init\` to create one, or pass --manifest with the path of your nimbus.yaml.`);
  }
  const { manifest, diagnostics } = await checkManifestText(text, absolute, files);
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0 || !manifest) {
    throw new NimbusError('MANIFEST_INVALID', errors.map(formatDiagnostic).join('\n'), { details: diagnostics });
  }
  if (onWarning) for (const diagnostic of diagnostics) if (diagnostic.severity === 'warning') onWarning(formatDiagnostic(diagnostic));
  return manifest;
}

/** The nearest nimbus.yaml in startDir or one of its parents. */
export async function findManifest(startDir: string): Promise<string | undefined> {
  let folder = resolve(startDir);
  for (;;) {
    const candidate = join(folder, manifestFileName);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here; keep walking up.
    }
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}
