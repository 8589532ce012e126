// Language layer: quick fixes for handler diagnostics — create the missing handler file, add the missing export to it,
// or name the export it has that the handler's name was close to (a typo).
import { join } from 'node:path';
import leven from 'leven';
import { pathToFileURL } from 'node:url';
import {
  CodeAction,
  CodeActionKind,
  CreateFile,
  Position,
  TextDocumentEdit,
  TextEdit,
  type Diagnostic,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileAccess } from '../shared/manifest';
import { functionOfHandlerPath, resolveHandler } from './handlerResolution';
import { diagnosticSource } from './diagnostics';
import { exportTemplate, handlerFileTemplate, newHandlerFile } from './handlerSources';
import { scalarAt, type ParsedYaml } from './yamlCursor';

export interface CodeActionEnvironment {
  document: TextDocument;
  yaml: ParsedYaml;
  root: string;
  files: FileAccess;
  /** Whether the client applies `CreateFile` operations in workspace edits. */
  canCreateFiles: boolean;
}

export async function codeActionsFor(environment: CodeActionEnvironment, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== diagnosticSource) continue;
    if (diagnostic.code !== 'handler-file' && diagnostic.code !== 'handler-export') continue;
    const location = scalarAt(environment.yaml, environment.document.offsetAt(diagnostic.range.start));
    const functionName = location && functionOfHandlerPath(location.path);
    if (!location || !functionName || typeof location.scalar.value !== 'string') continue;
    const resolved = await resolveHandler(environment.root, location.scalar.value, environment.files);
    if (!resolved.exportName) continue;

    if (diagnostic.code === 'handler-file' && !resolved.file && environment.canCreateFiles) {
      const file = newHandlerFile(environment.root, resolved.writtenPath);
      const uri = pathToFileURL(join(environment.root, file)).href;
      const action = CodeAction.create(`Create handler ${file} with export \`${resolved.exportName}\``, {
        documentChanges: [
          CreateFile.create(uri, { ignoreIfExists: true }),
          TextDocumentEdit.create({ uri, version: null }, [
            TextEdit.insert(Position.create(0, 0), handlerFileTemplate(file, resolved.exportName, functionName)),
          ]),
        ],
      }, CodeActionKind.QuickFix);
      actions.push({ ...action, diagnostics: [diagnostic], isPreferred: true });
    }

    const wanted = resolved.exportName;
    const nearest = diagnostic.code === 'handler-export' ? nearestName(wanted, resolved.exports ?? []) : undefined;
    if (nearest) {
      // The export's part of the handler string, as the user wrote it: after its last dot.
      const exportStart = location.end - (location.scalar.value.length - location.scalar.value.lastIndexOf('.') - 1) - quoteLength(location);
      const range = { start: environment.document.positionAt(exportStart), end: environment.document.positionAt(exportStart + wanted.length) };
      const action = CodeAction.create(`Change to \`${nearest}\` (exported by ${resolved.writtenPath})`, {
        changes: { [environment.document.uri]: [TextEdit.replace(range, nearest)] },
      }, CodeActionKind.QuickFix);
      actions.push({ ...action, diagnostics: [diagnostic], isPreferred: true });
    }

    if (diagnostic.code === 'handler-export' && resolved.file && resolved.source !== undefined) {
      const source = resolved.source;
      const uri = pathToFileURL(resolved.file).href;
      const end = TextDocument.create(uri, 'typescript', 0, source).positionAt(source.length);
      const separator = source.length === 0 ? '' : source.endsWith('\n') ? '\n' : '\n\n';
      const text = separator + exportTemplate(resolved.file, resolved.exportName, source);
      const action = CodeAction.create(`Add export \`${resolved.exportName}\``, {
        documentChanges: [TextDocumentEdit.create({ uri, version: null }, [TextEdit.insert(end, text)])],
      }, CodeActionKind.QuickFix);
      actions.push({ ...action, diagnostics: [diagnostic], isPreferred: !nearest });
    }
  }
  return actions;
}

/** The export a mistyped name most likely meant: at most two edits away, and fewer than half its letters. */
function nearestName(name: string, exports: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of exports) {
    if (candidate === '__esModule' || candidate === name) continue;
    const distance = leven(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && distance < name.length / 2 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** 1 when the scalar is quoted (its end offset then includes the closing quote), else 0. */
function quoteLength(location: { scalar: { type?: string | null } }): number {
  return location.scalar.type === 'QUOTE_DOUBLE' || location.scalar.type === 'QUOTE_SINGLE' ? 1 : 0;
}
