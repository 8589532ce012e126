// Language layer: completion in nimbus.yaml — keys from the schema at the cursor's path, trigger types, allowed values, handler files and exports.
import { join } from 'node:path';
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  Range,
  TextEdit,
  type CompletionItem,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ExportCache } from './handlerSources';
import { listHandlerCandidates, withoutExtension } from './handlerSources';
import { descriptionOf, summaryOf, valuesOf, type JsonSchema, type SchemaNavigator } from './schemaNavigator';
import { completionContextAt, type CompletionContext } from './yamlCursor';

export interface CompletionEnvironment {
  document: TextDocument;
  /** Folder of the manifest; handler paths are relative to it. */
  root: string;
  schema: SchemaNavigator;
  exports: ExportCache;
  /** Whether the client accepts snippet syntax in insert texts. */
  snippets: boolean;
}

export async function completeManifest(environment: CompletionEnvironment, offset: number): Promise<CompletionItem[]> {
  const { document } = environment;
  const context = completionContextAt(document.getText(), offset);
  if (!context) return [];
  const range = Range.create(document.positionAt(context.replaceStart), document.positionAt(context.replaceEnd));
  if (context.kind === 'key') {
    const keys = keyItems(environment, context, range);
    // A fresh `- ` item in a list of plain values (e.g. storage `events:`) looks like a key but wants a value.
    return keys.length ? keys : valueItems(environment.schema.at(context.path), range);
  }
  if (context.path.length === 3 && context.path[0] === 'functions' && context.path[2] === 'handler') {
    return handlerItems(environment, range);
  }
  return valueItems(environment.schema.at(context.path), range);
}

function keyItems(environment: CompletionEnvironment, context: CompletionContext, range: Range): CompletionItem[] {
  const indentation = ' '.repeat(environment.document.positionAt(context.replaceStart).character);
  return environment.schema
    .propertiesAt(context.path)
    .filter((property) => !context.existingKeys.includes(property.name))
    .map((property, index): CompletionItem => {
      const documentation = descriptionOf(property.schemas);
      // Inside `{ … }` a nested block cannot start, so keys there only get their colon.
      const block = environment.snippets && !context.parentMap?.flow;
      const insert = block ? keySnippet(property.name, property.schemas, indentation) : `${property.name}: `;
      return {
        label: property.name,
        kind: CompletionItemKind.Property,
        detail: titleOf(property.schemas),
        ...(documentation ? { documentation: { kind: MarkupKind.Markdown, value: documentation } } : {}),
        textEdit: TextEdit.replace(range, insert),
        insertTextFormat: block ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
        // Keep schema order (handler before the optional keys) instead of the client's alphabetical order.
        sortText: String(index).padStart(3, '0'),
      };
    });
}

/** `http: { method: ${1|GET,…|}, path: /$2 }` from the schema's snippet, else a key ready for its value. */
function keySnippet(name: string, schemas: JsonSchema[], indentation: string): string {
  for (const schema of schemas) {
    const body = schema.defaultSnippets?.[0]?.body;
    if (body && typeof body === 'object') return `${name}: ${flowYaml(body)}`;
  }
  const types = new Set(schemas.flatMap((schema) => [schema.type ?? []].flat()));
  if (types.has('object')) return `${name}:\n${indentation}  $0`;
  if (types.has('array')) return `${name}:\n${indentation}  - $0`;
  return `${name}: $0`;
}

/** Snippet bodies from the schema written as one-line YAML; their strings already hold snippet placeholders. */
function flowYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{ ${Object.entries(value).map(([key, item]) => `${key}: ${flowYaml(item)}`).join(', ')} }`;
  }
  return String(value);
}

function valueItems(schemas: JsonSchema[], range: Range): CompletionItem[] {
  const values = valuesOf(schemas);
  const types = new Set(schemas.flatMap((schema) => [schema.type ?? []].flat()));
  if (values.length === 0 && types.has('boolean')) values.push(true, false);
  const enumerated = schemas.find((schema) => schema.enum && schema.markdownEnumDescriptions);
  return values.map((value, index): CompletionItem => {
    const text = String(value);
    const described = enumerated?.markdownEnumDescriptions?.[enumerated.enum?.indexOf(value) ?? -1];
    return {
      label: text,
      kind: CompletionItemKind.EnumMember,
      ...(described ? { documentation: { kind: MarkupKind.Markdown, value: described } } : {}),
      textEdit: TextEdit.replace(range, text),
      sortText: String(index).padStart(3, '0'),
    };
  });
}

/** Handler paths: every candidate file (completing to `file.` and asking again) and every export found in them. */
async function handlerItems(environment: CompletionEnvironment, range: Range): Promise<CompletionItem[]> {
  const items: CompletionItem[] = [];
  for (const file of await listHandlerCandidates(environment.root)) {
    const written = withoutExtension(file);
    items.push({
      label: written,
      kind: CompletionItemKind.File,
      detail: file,
      textEdit: TextEdit.replace(range, `${written}.`),
      // The client re-opens completion so the exports of this file follow the dot.
      command: { title: 'Suggest exports', command: 'editor.action.triggerSuggest' },
      sortText: `1${written}`,
    });
    for (const name of await environment.exports.exportsOf(join(environment.root, file))) {
      items.push({
        label: `${written}.${name}`,
        kind: CompletionItemKind.Function,
        detail: `export ${name} of ${file}`,
        textEdit: TextEdit.replace(range, `${written}.${name}`),
        sortText: `0${written}.${name}`,
      });
    }
  }
  return items;
}

function titleOf(schemas: JsonSchema[]): string | undefined {
  const title = schemas.map((schema) => schema.title).find(Boolean);
  const summary = summaryOf(schemas);
  return [title, summary].filter(Boolean).join(' — ') || undefined;
}
