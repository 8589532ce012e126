// Language layer: finds what sits under the cursor in a nimbus.yaml — the scalar, whether it is a key or a value, and its key path.
import { isMap, isScalar, isSeq, parseDocument, type Document, type Scalar, type YAMLMap } from 'yaml';
import { quoteBraceRoutes } from '../shared/manifest/locate';

/** Keys and sequence indexes from the document root down to a node, e.g. ['functions', 'thumb', 'triggers', 0, 'http']. */
export type YamlPath = (string | number)[];

export interface ParsedYaml {
  /** The text as the user wrote it; offsets given to and returned from this module are in it. */
  text: string;
  /** Parsed from the text with unquoted `{param}` routes quoted, as parseManifest reads it. */
  document: Document;
  /** Sorted offsets, in the parsed text, of the quotes that were inserted. */
  inserted: readonly number[];
}

/** Parses like the manifest parser does, so `path: /thumbs/{id}` inside a flow mapping is one scalar here too. */
export function parseYaml(text: string): ParsedYaml {
  const repaired = quoteBraceRoutes(text);
  const document = parseDocument(repaired.text, { prettyErrors: false });
  return { text, document, inserted: repaired.edits.inserted };
}

function toParsedOffset(parsed: ParsedYaml, offset: number): number {
  let result = offset;
  for (const position of parsed.inserted) if (position <= result) result++;
  return result;
}

/** An offset of the parsed text (a node's range) in the user's text. */
export function toOriginalOffset(parsed: ParsedYaml, offset: number): number {
  return offset - parsed.inserted.filter((position) => position < offset).length;
}

export interface ScalarLocation {
  kind: 'key' | 'value';
  /** For a key: the path of its mapping plus the key itself. For a value: the path of the value. */
  path: YamlPath;
  scalar: Scalar;
  /** Offsets of the scalar's source text in the user's text, quotes included: [start, end). */
  start: number;
  end: number;
  /** The mapping that holds the key, or that holds the value's key (so siblings can be read). */
  parentMap?: YAMLMap;
}

/** The scalar whose source touches `offset` (its end counts, so a cursor right after a word finds the word). */
export function scalarAt(parsed: ParsedYaml, offset: number): ScalarLocation | undefined {
  const target = toParsedOffset(parsed, offset);
  const found = findScalar(parsed.document.contents, [], undefined, (scalar) => {
    const [start, end] = scalar.range ?? [-1, -1];
    return start <= target && target <= end;
  });
  return found && { ...found, start: toOriginalOffset(parsed, found.start), end: toOriginalOffset(parsed, found.end) };
}

function findScalar(
  node: unknown,
  path: YamlPath,
  parentMap: YAMLMap | undefined,
  matches: (scalar: Scalar) => boolean,
): ScalarLocation | undefined {
  if (isScalar(node)) {
    return matches(node) ? location('value', path, node, parentMap) : undefined;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (isScalar(pair.key) && matches(pair.key)) return location('key', [...path, key], pair.key, node);
      const found = findScalar(pair.value, [...path, key], node, matches);
      if (found) return found;
    }
    return undefined;
  }
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const found = findScalar(item, [...path, index], parentMap, matches);
      if (found) return found;
    }
  }
  return undefined;
}

function location(kind: 'key' | 'value', path: YamlPath, scalar: Scalar, parentMap: YAMLMap | undefined): ScalarLocation {
  const [start, end] = scalar.range ?? [0, 0];
  return { kind, path, scalar, start, end, parentMap };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/** A string-valued key of a mapping, e.g. the `timezone` next to a `cron`. */
export function stringValueOf(map: YAMLMap | undefined, key: string): string | undefined {
  const value = map?.get(key, true);
  return isScalar(value) && typeof value.value === 'string' ? value.value : undefined;
}

export interface CompletionContext {
  kind: 'key' | 'value';
  /** For a key: the path of the mapping it goes into. For a value: the path of the value. */
  path: YamlPath;
  /** What the user has typed so far in the scalar under the cursor (up to the cursor). */
  typed: string;
  /** Offsets of the text a completion replaces: the scalar around the cursor, inside its quotes. */
  replaceStart: number;
  replaceEnd: number;
  /** Keys already present in the mapping (for a key), so they are not offered twice. */
  existingKeys: string[];
  /** The mapping around the cursor, e.g. to tell a flow `{ … }` from block style. */
  parentMap?: YAMLMap;
}

// A word that cannot occur in a real manifest; it stands in for the cursor so that half-typed YAML still parses
// into a node at the cursor's place.
const cursorMarker = 'nimbusCursorMarker';

/**
 * What the cursor is completing. The text is parsed with a marker at the cursor: on a line that holds only
 * indentation, dashes and a bare word the marker becomes a key (`marker:`), elsewhere a value, so an empty line
 * under `thumb:` completes keys of the function while `method: |` completes a method.
 */
export function completionContextAt(text: string, offset: number): CompletionContext | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEndIndex = text.indexOf('\n', offset);
  const lineEnd = lineEndIndex === -1 ? text.length : lineEndIndex;
  const beforeCursor = text.slice(lineStart, offset);
  const afterCursor = text.slice(offset, lineEnd);

  let inserted = cursorMarker;
  let leading = 0;
  if (/^\s*(?:-\s+)*[\w.-]*$/.test(beforeCursor) && /^\s*$/.test(afterCursor)) {
    inserted = cursorMarker + ':';
  } else if (/^\s*(?:-\s+)*[\w.-]+:$/.test(beforeCursor)) {
    inserted = ' ' + cursorMarker;
    leading = 1;
  }
  const marked = text.slice(0, offset) + inserted + text.slice(offset);
  const parsed = parseYaml(marked);
  const markerStart = toParsedOffset(parsed, offset + leading);
  const scalar = findScalar(parsed.document.contents, [], undefined, (candidate) => {
    const [start, end] = candidate.range ?? [-1, -1];
    return start <= markerStart && markerStart + cursorMarker.length <= end;
  });
  if (!scalar) return undefined;
  const found = { ...scalar, start: toOriginalOffset(parsed, scalar.start), end: toOriginalOffset(parsed, scalar.end) };

  // Quotes the user wrote are kept; completions replace what is between them.
  const quoted = found.end > found.start && /^["']$/.test(marked[found.start]);
  const start = found.start - (found.start > offset ? leading : 0) + (quoted ? 1 : 0);
  const end = found.end - leading - cursorMarker.length - (quoted ? 1 : 0);
  const replaceStart = Math.min(start, offset);
  const replaceEnd = Math.max(end, offset);
  const existingKeys =
    found.kind === 'key' && found.parentMap
      ? found.parentMap.items.map((pair) => keyText(pair.key)).filter((key) => !key.includes(cursorMarker))
      : [];
  return {
    kind: found.kind,
    path: found.kind === 'key' ? found.path.slice(0, -1) : found.path,
    typed: text.slice(replaceStart, offset),
    replaceStart,
    replaceEnd,
    existingKeys,
    parentMap: found.parentMap,
  };
}
