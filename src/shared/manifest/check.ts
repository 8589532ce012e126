// Shared layer: checks that each handler file exists and exports what nimbus.yaml names, through a FileAccess seam.
import { analyzeExports } from './exports';
import type { FunctionSpec, Manifest, ManifestDiagnostic } from './model';
import { dirname, extname, joinPath } from './paths';
import { splitHandler } from './parse';

export interface FileAccess {
  /** The file's text, or undefined when it does not exist or is not a file. */
  readFile(path: string): Promise<string | undefined>;
}

export const handlerExtensions = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

/** How deep `export * from` chains are followed before giving up (they are rare in handlers and may loop). */
const maxReexportDepth = 5;

/** Paths tried for a handler path as written, in order: as is, with each extension, then as a folder's index file. */
export function handlerCandidates(path: string): string[] {
  const candidates: string[] = [];
  const extension = extname(path);
  if ((handlerExtensions as readonly string[]).includes(extension)) {
    candidates.push(path);
    // TypeScript projects import './x.js' for './x.ts'; allow the same spelling in the manifest.
    const typeScriptTwin: Record<string, string> = { '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts' };
    if (typeScriptTwin[extension]) candidates.push(path.slice(0, -extension.length) + typeScriptTwin[extension]);
  }
  candidates.push(...handlerExtensions.map((candidate) => path + candidate));
  candidates.push(...handlerExtensions.map((candidate) => joinPath(path, `index${candidate}`)));
  return [...new Set(candidates)];
}

/** Resolves every function's handler file (setting `fn.handlerFile`) and reports missing files and exports. */
export async function checkHandlers(manifest: Manifest, files: FileAccess): Promise<ManifestDiagnostic[]> {
  const results = await Promise.all(manifest.functions.map((fn) => checkHandler(manifest, fn, files)));
  return results.flat();
}

async function checkHandler(manifest: Manifest, fn: FunctionSpec, files: FileAccess): Promise<ManifestDiagnostic[]> {
  const range = fn.handlerRange ?? fn.range ?? { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  const diagnostic = (code: string, message: string, severity: ManifestDiagnostic['severity'] = 'error'): ManifestDiagnostic =>
    ({ file: manifest.path, range, severity, code, message, functionName: fn.name });
  const written = joinPath(manifest.root, splitHandler(fn.handler).path);
  const candidates = handlerCandidates(written);
  const found = await firstExisting(candidates, files);
  if (!found) {
    return [diagnostic('handler-file',
      `handler file for '${fn.handler}' of function '${fn.name}' not found; tried ${candidates.map((candidate) => relativeTo(manifest.root, candidate)).join(', ')}. Create the file or fix the path`)];
  }
  fn.handlerFile = found.path;

  let available: Set<string>;
  let complete: boolean;
  try {
    ({ names: available, complete } = await collectExports(found.path, found.source, files, 0));
  } catch (error) {
    return [diagnostic('handler-parse', `could not read the exports of ${relativeTo(manifest.root, found.path)}: ${parseFailure(error, manifest.root)}`)];
  }
  const wanted = fn.handlerExport === 'fetch' || fn.handlerExport === 'default' ? [fn.handlerExport, 'default'] : [fn.handlerExport];
  if (wanted.some((name) => available.has(name))) return [];
  const existing = [...available].filter((name) => name !== '__esModule');
  const listing = existing.length ? `it exports ${existing.join(', ')}` : 'it exports nothing';
  const message = `'${fn.handlerExport}' is not exported by ${relativeTo(manifest.root, found.path)} (handler of function '${fn.name}'); ${listing}`;
  // Re-exports we could not follow may still provide the name, so only warn then.
  return [diagnostic('handler-export', complete ? message : `${message}, plus re-exports that could not be followed`, complete ? 'error' : 'warning')];
}

/** esbuild's first error as `file:line:column: text` (its message alone is only "Transform failed with 1 error:"). */
function parseFailure(error: unknown, root: string): string {
  const first = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors?.[0];
  if (first) return first.location ? `${relativeTo(root, first.location.file)}:${first.location.line}:${first.location.column + 1}: ${first.text}` : first.text;
  return error instanceof Error ? error.message : String(error);
}

async function collectExports(file: string, source: string, files: FileAccess, depth: number): Promise<{ names: Set<string>; complete: boolean }> {
  const analysis = await analyzeExports(source, file);
  const names = new Set(analysis.names);
  let complete = true;
  for (const specifier of analysis.reexports) {
    if (!specifier.startsWith('.') || depth >= maxReexportDepth) {
      complete = false;
      continue;
    }
    const target = await firstExisting(handlerCandidates(joinPath(dirname(file), specifier)), files);
    if (!target) {
      complete = false;
      continue;
    }
    const nested = await collectExports(target.path, target.source, files, depth + 1);
    // `export *` never passes on a default export.
    for (const name of nested.names) if (name !== 'default') names.add(name);
    complete &&= nested.complete;
  }
  return { names, complete };
}

async function firstExisting(candidates: string[], files: FileAccess): Promise<{ path: string; source: string } | undefined> {
  for (const path of candidates) {
    const source = await files.readFile(path);
    if (source !== undefined) return { path, source };
  }
  return undefined;
}

function relativeTo(root: string, path: string): string {
  const prefix = root.endsWith('/') || root.endsWith('\\') ? root : `${root}${root.includes('\\') && !root.includes('/') ? '\\' : '/'}`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
