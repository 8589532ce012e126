// Language layer: resolves one `handler:` string to its file and exports, the way the executor does.
import { handlerCandidates, listExports, splitHandler, type FileAccess } from '../shared/manifest';
import { joinPath } from '../shared/manifest/paths';
import type { YamlPath } from './yamlCursor';

export interface ResolvedHandler {
  /** As written after `handler:`. */
  handler: string;
  exportName: string;
  /** Path part as written, relative to the manifest's folder (e.g. `src/thumbnail`). */
  writtenPath: string;
  /** The absolute file it resolves to, when one exists. */
  file?: string;
  source?: string;
  /** Exports of the file, when it exists and could be read. */
  exports?: string[];
}

/**
 * Resolves one handler string the way the executor does (shared candidates), independently of the rest of the
 * manifest, so hover and go-to-definition work even while another part of the file is invalid.
 */
export async function resolveHandler(root: string, handler: string, files: FileAccess): Promise<ResolvedHandler> {
  const { path, exportName } = splitHandler(handler);
  const resolved: ResolvedHandler = { handler, exportName, writtenPath: path };
  for (const candidate of handlerCandidates(joinPath(root, path))) {
    const source = await files.readFile(candidate);
    if (source === undefined) continue;
    resolved.file = candidate;
    resolved.source = source;
    try {
      resolved.exports = await listExports(source, candidate);
    } catch {
      // A file that does not parse has no exports we can name; its diagnostic already says why.
    }
    break;
  }
  return resolved;
}

/** `['functions', 'thumb', 'handler']` → 'thumb': the function whose handler a path points at. */
export function functionOfHandlerPath(path: YamlPath): string | undefined {
  return path.length === 3 && path[0] === 'functions' && path[2] === 'handler' ? String(path[1]) : undefined;
}
