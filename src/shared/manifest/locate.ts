// Shared layer: finds the YAML node behind a path of keys so every manifest diagnostic underlines the exact text.
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { SourcePosition, SourceRange } from './model';

export type PathSegment = string | number;

/** The key and value nodes of the deepest existing element along a path. */
export interface LocatedNode {
  key?: Node;
  value?: Node;
  /** How many path segments were found; fewer than asked when the path leaves the document. */
  depth: number;
}

export interface LocatedKey {
  /** Path of the mapping that holds the key. */
  path: PathSegment[];
  key: Node;
  /** The key's text, when it is a scalar. */
  name?: string;
  /** An earlier key of the same mapping with the same text, if any. */
  first?: Node;
}

/** Offsets of the parsed text back to the text the user wrote, when the parser inserted characters (see quoteBraceRoutes). */
export interface TextEdits {
  /** Sorted offsets, in the parsed text, of each inserted character. */
  inserted: readonly number[];
}

export class YamlLocator {
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly document: Document,
    private readonly parsedText: string,
    originalText: string,
    private readonly edits: TextEdits = { inserted: [] },
  ) {
    for (let index = originalText.indexOf('\n'); index >= 0; index = originalText.indexOf('\n', index + 1)) {
      this.lineStarts.push(index + 1);
    }
  }

  locate(path: readonly PathSegment[]): LocatedNode {
    let found: LocatedNode = { value: this.resolve(this.document.contents ?? undefined), depth: 0 };
    for (const segment of path) {
      const container = found.value;
      let next: LocatedNode | undefined;
      if (isMap(container)) {
        const pair = container.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair) next = { key: pair.key as Node, value: this.resolve(pair.value as Node | null), depth: found.depth + 1 };
      } else if (isSeq(container) && typeof segment === 'number') {
        const item = container.items[segment] as Node | undefined;
        if (item) next = { value: this.resolve(item), depth: found.depth + 1 };
      }
      if (!next) break;
      found = next;
    }
    return found;
  }

  /** Range of the value at a path, else of its key (also when the value is left out), else of the nearest ancestor that exists. */
  valueRange(path: readonly PathSegment[]): SourceRange {
    const found = this.locate(path);
    const empty = isScalar(found.value) && found.value.value === null && found.value.range?.[0] === found.value.range?.[1];
    return this.rangeOf(found.depth === path.length && !empty ? found.value ?? found.key : found.key ?? found.value);
  }

  /** Range of the key at a path (for unknown or misspelled properties), else of the value. */
  keyRange(path: readonly PathSegment[]): SourceRange {
    const found = this.locate(path);
    return this.rangeOf(found.key ?? found.value);
  }

  rangeOf(node: Node | undefined): SourceRange {
    const range = node?.range;
    if (!range) return this.offsetRange(0, 0);
    // Block collections end after their last line break; underline only up to the last character.
    let end = range[1];
    while (end > range[0] && /\s/.test(this.parsedText[end - 1])) end--;
    return this.offsetRange(range[0], end);
  }

  /** From an offset in the parsed text to the end of its line: for problems that run on past where they start, like an unclosed string. */
  restOfLine(start: number): SourceRange {
    const lineEnd = this.parsedText.indexOf('\n', start);
    let end = lineEnd < 0 ? this.parsedText.length : lineEnd;
    while (end > start && /\s/.test(this.parsedText[end - 1])) end--;
    return this.offsetRange(start, end);
  }

  /** The mapping key whose text starts at an offset of the parsed text, with the path of its mapping and the key's first occurrence there. */
  keyAt(offset: number): LocatedKey | undefined {
    const search = (node: unknown, path: PathSegment[]): LocatedKey | undefined => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = pair.key as Node | null;
          if (key?.range?.[0] === offset) {
            const name = isScalar(key) ? String(key.value) : undefined;
            const first = node.items.find((other) => isScalar(other.key) && String(other.key.value) === name)?.key as Node | undefined;
            return { path, key, name, first: first === key ? undefined : first };
          }
          const inValue = search(pair.value, [...path, isScalar(key) ? String(key.value) : String(key)]);
          if (inValue) return inValue;
        }
      } else if (isSeq(node)) {
        for (const [index, item] of node.items.entries()) {
          const inItem = search(item, [...path, index]);
          if (inItem) return inItem;
        }
      }
      return undefined;
    };
    return search(this.document.contents, []);
  }

  /** Range of offsets in the parsed text, as 1-based lines and columns of the text the user wrote. */
  offsetRange(start: number, end: number): SourceRange {
    return { start: this.position(this.toOriginal(start)), end: this.position(this.toOriginal(end)) };
  }

  private toOriginal(offset: number): number {
    return offset - this.edits.inserted.filter((position) => position < offset).length;
  }

  private position(offset: number): SourcePosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low] + 1 };
  }

  private resolve(node: Node | null | undefined): Node | undefined {
    if (!node) return undefined;
    if (isAlias(node)) return (node.resolve(this.document) as Node | undefined) ?? node;
    return node;
  }
}

/**
 * Quotes unquoted route values with `{param}` segments (`path: /thumbs/{id}`), which YAML rejects inside a flow
 * mapping like `{ method: GET, path: /thumbs/{id} }` — the form DESIGN §2 shows, so users write it.
 */
export function quoteBraceRoutes(text: string): { text: string; edits: TextEdits } {
  const inserted: number[] = [];
  let added = 0;
  const quoted = text.replace(/(\bpath[ \t]*:[ \t]*)(\/[^\s,"'#\[\]{}]*(?:\{[^\s{}"',]*\}[^\s,"'#\[\]{}]*)+)/g, (_match, key: string, route: string, offset: number) => {
    const start = offset + added + key.length;
    inserted.push(start, start + route.length + 1);
    added += 2;
    return `${key}"${route}"`;
  });
  return { text: quoted, edits: { inserted } };
}
