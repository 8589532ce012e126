// Language layer: quick fixes for handler diagnostics — create the missing handler file, or add the missing export to it.
import { join } from 'node:path';
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

    if (diagnostic.code === 'handler-export' && resolved.file && resolved.source !== undefined) {
      const source = resolved.source;
      const uri = pathToFileURL(resolved.file).href;
      const end = TextDocument.create(uri, 'typescript', 0, source).positionAt(source.length);
      const separator = source.length === 0 ? '' : source.endsWith('\n') ? '\n' : '\n\n';
      const text = separator + exportTemplate(resolved.file, resolved.exportName, source);
      const action = CodeAction.create(`Add export \`${resolved.exportName}\``, {
        documentChanges: [TextDocumentEdit.create({ uri, version: null }, [TextEdit.insert(end, text)])],
      }, CodeActionKind.QuickFix);
      actions.push({ ...action, diagnostics: [diagnostic], isPreferred: true });
    }
  }
  return actions;
}
