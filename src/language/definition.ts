// Language layer: go-to-definition from a function's `handler:` to the declaration of its export in the handler file.
import { pathToFileURL } from 'node:url';
import { Location, LocationLink, Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileAccess } from '../shared/manifest';
import { functionOfHandlerPath, resolveHandler } from './handlerResolution';
import { findExportDeclaration } from './handlerSources';
import { scalarAt, type ParsedYaml } from './yamlCursor';

export interface DefinitionEnvironment {
  document: TextDocument;
  yaml: ParsedYaml;
  root: string;
  files: FileAccess;
  /** Whether the client takes LocationLinks (they let it underline the whole handler string). */
  links: boolean;
}

export async function defineManifest(environment: DefinitionEnvironment, offset: number): Promise<Location[] | LocationLink[] | undefined> {
  const location = scalarAt(environment.yaml, offset);
  if (!location || location.kind !== 'value' || typeof location.scalar.value !== 'string') return undefined;
  if (!functionOfHandlerPath(location.path)) return undefined;
  const resolved = await resolveHandler(environment.root, location.scalar.value, environment.files);
  if (!resolved.file || resolved.source === undefined) return undefined;

  const target = TextDocument.create(pathToFileURL(resolved.file).href, 'typescript', 0, resolved.source);
  // A web-standard function named `fetch` may be the default export (DESIGN §3).
  const span =
    findExportDeclaration(resolved.source, resolved.exportName) ??
    (resolved.exportName === 'fetch' ? findExportDeclaration(resolved.source, 'default') : undefined);
  const targetRange = span ? Range.create(target.positionAt(span.start), target.positionAt(span.end)) : Range.create(0, 0, 0, 0);
  if (!environment.links) return [Location.create(target.uri, targetRange)];
  const origin = Range.create(environment.document.positionAt(location.start), environment.document.positionAt(location.end));
  return [LocationLink.create(target.uri, targetRange, targetRange, origin)];
}
