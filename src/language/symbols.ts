// Language layer: the outline of a nimbus.yaml (the editor's Outline view, breadcrumbs and Go to Symbol): its
// functions with their handler and triggers. Read from the YAML itself, so a manifest with errors has one too.
import { isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseYaml, toOriginalOffset, type ParsedYaml } from './yamlCursor';

export function manifestSymbols(document: TextDocument): DocumentSymbol[] {
  const parsed = parseYaml(document.getText());
  const root = parsed.document.contents;
  if (!isMap(root)) return [];
  const symbols: DocumentSymbol[] = [];
  for (const pair of root.items) {
    const key = keyOf(pair);
    if (key === 'functions' && isMap(pair.value)) {
      symbols.push(symbol(parsed, document, pair, 'functions', SymbolKind.Namespace, pair.value.items.map((fn) => functionSymbol(parsed, document, fn))));
    } else if (key !== undefined) {
      symbols.push(symbol(parsed, document, pair, key, key === 'defaults' ? SymbolKind.Object : SymbolKind.Property, [], scalarText(pair.value)));
    }
  }
  return symbols;
}

function functionSymbol(parsed: ParsedYaml, document: TextDocument, pair: Pair): DocumentSymbol {
  const settings = isMap(pair.value) ? pair.value : undefined;
  const handler = scalarText(settings?.get('handler', true));
  const children: DocumentSymbol[] = [];
  for (const setting of settings?.items ?? []) {
    const key = keyOf(setting);
    if (key === 'triggers' && isSeq(setting.value)) {
      for (const trigger of setting.value.items) if (isMap(trigger)) children.push(triggerSymbol(parsed, document, trigger));
    }
  }
  return symbol(parsed, document, pair, keyOf(pair) ?? '?', SymbolKind.Function, children, handler);
}

/** `http GET /users/{id}`, `queue orders`, `storage photos`, `schedule 0 9 * * *`. */
function triggerSymbol(parsed: ParsedYaml, document: TextDocument, trigger: YAMLMap): DocumentSymbol {
  const [entry] = trigger.items;
  const type = entry ? keyOf(entry) ?? '?' : '?';
  const options = entry && isMap(entry.value) ? entry.value : undefined;
  const field = (name: string) => scalarText(options?.get(name, true));
  const detail: Record<string, string | undefined> = {
    http: [field('method'), field('path')].filter(Boolean).join(' '),
    storage: field('bucket'),
    queue: field('topic'),
    schedule: field('cron'),
  };
  const name = [type, detail[type]].filter(Boolean).join(' ');
  return { name, kind: SymbolKind.Event, range: rangeOf(parsed, document, trigger.range), selectionRange: rangeOf(parsed, document, entry?.key && isScalar(entry.key) ? entry.key.range : trigger.range) };
}

function symbol(parsed: ParsedYaml, document: TextDocument, pair: Pair, name: string, kind: SymbolKind, children: DocumentSymbol[], detail?: string): DocumentSymbol {
  const keyRange = isScalar(pair.key) ? pair.key.range : undefined;
  const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
  const whole: [number, number] = [keyRange?.[0] ?? valueRange?.[0] ?? 0, valueRange?.[1] ?? keyRange?.[1] ?? 0];
  return {
    name,
    kind,
    range: rangeOf(parsed, document, whole),
    selectionRange: rangeOf(parsed, document, keyRange ?? whole),
    ...(detail ? { detail } : {}),
    ...(children.length ? { children } : {}),
  };
}

function rangeOf(parsed: ParsedYaml, document: TextDocument, range: readonly number[] | null | undefined) {
  const [start = 0, end = start] = range ?? [];
  return { start: document.positionAt(toOriginalOffset(parsed, start)), end: document.positionAt(toOriginalOffset(parsed, end)) };
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
}
