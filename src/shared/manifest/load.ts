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

export interface LoadOptions {
  files?: FileAccess;
  /** Gets each warning, formatted: a warning (a schedule that never fires) does not stop the load. */
  onWarning?: (warning: string) => void;
  /**
   * The functions the caller is about to run. Another function's own problems (its handler file or export) then
   * do not stop the load, so one half-written function does not keep the others from running; they are warnings.
   */
  only?: readonly string[];
}

/** Loads a manifest ready to run; throws MANIFEST_NOT_FOUND or MANIFEST_INVALID (with every error, one per line). */
export async function loadManifest(path: string, options: LoadOptions = {}): Promise<Manifest> {
  const { files = nodeFileAccess, onWarning, only } = options;
  const absolute = resolve(path);
  const text = await files.readFile(absolute);
  if (text === undefined) {
    throw new NimbusError('MANIFEST_NOT_FOUND',
      `No manifest at ${absolute}. Run \`nimbus init\` to create one, or pass --manifest with the path of your nimbus.yaml.`);
  }
  const checked = await checkManifestText(text, absolute, files);
  const { manifest } = checked;
  const others = (diagnostic: ManifestDiagnostic) => only !== undefined && diagnostic.functionName !== undefined && !only.includes(diagnostic.functionName);
  const diagnostics = checked.diagnostics.map((diagnostic) => (others(diagnostic) ? { ...diagnostic, severity: 'warning' as const } : diagnostic));
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
