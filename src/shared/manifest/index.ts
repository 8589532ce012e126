// Shared layer: the public API of the manifest — model, parsing, handler checks, loading and lookups.
import { NimbusError } from '../errors';
import type { FunctionSpec, Manifest } from './model';

export * from './model';
export { parseManifest, manifestSchema, splitHandler, displayPath, sortDiagnostics, type ParseResult } from './parse';
export { checkHandlers, handlerCandidates, handlerExtensions, type FileAccess } from './check';
export { listExports, analyzeExports, type ModuleExports } from './exports';
export { loadManifest, findManifest, checkManifestText, nodeFileAccess, manifestFileName, type ManifestCheck, type LoadOptions } from './load';

/** The function of that name; FUNCTION_NOT_FOUND lists the functions that exist. */
export function functionByName(manifest: Manifest, name: string): FunctionSpec {
  const found = manifest.functions.find((fn) => fn.name === name);
  if (found) return found;
  const names = manifest.functions.map((fn) => fn.name);
  const listing = names.length ? `it has ${names.join(', ')}` : 'it has no functions yet';
  throw new NimbusError('FUNCTION_NOT_FOUND', `No function '${name}' in ${manifest.path}; ${listing}.`, { details: { available: names } });
}
