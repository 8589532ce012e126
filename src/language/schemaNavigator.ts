// Language layer: walks the manifest's JSON Schema along a YAML key path to offer keys, allowed values and docs.
import type { YamlPath } from './yamlCursor';

/** The parts of JSON Schema (draft 7 / 2020-12) that completion and hover read. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  title?: string;
  description?: string;
  markdownDescription?: string;
  /** VS Code's extension: ready-made bodies offered when the key is completed. */
  defaultSnippets?: { label?: string; body?: unknown }[];
  /** VS Code's extension: one Markdown text per `enum` value. */
  markdownEnumDescriptions?: string[];
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  required?: string[];
  minimum?: number;
  maximum?: number;
  definitions?: Record<string, JsonSchema>;
  $defs?: Record<string, JsonSchema>;
}

export interface PropertyInfo {
  name: string;
  /** Every alternative schema the property has across oneOf/anyOf branches. */
  schemas: JsonSchema[];
}

export class SchemaNavigator {
  constructor(private readonly root: JsonSchema) {}

  /** The alternative schemas that may describe the node at `path`. */
  at(path: YamlPath): JsonSchema[] {
    let current = this.expand(this.root);
    for (const segment of path) {
      const next: JsonSchema[] = [];
      for (const schema of current) next.push(...this.child(schema, segment));
      current = next.flatMap((schema) => this.expand(schema));
      if (current.length === 0) break;
    }
    return current;
  }

  /** Properties a mapping at `path` may have, in schema order, each with its schemas. */
  propertiesAt(path: YamlPath): PropertyInfo[] {
    const byName = new Map<string, JsonSchema[]>();
    for (const schema of this.at(path)) {
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        byName.set(name, [...(byName.get(name) ?? []), ...this.expand(property)]);
      }
    }
    return [...byName].map(([name, schemas]) => ({ name, schemas }));
  }

  private child(schema: JsonSchema, segment: string | number): JsonSchema[] {
    if (typeof segment === 'number') {
      if (Array.isArray(schema.items)) return schema.items[segment] ? [schema.items[segment]] : [];
      return schema.items ? [schema.items] : [];
    }
    const property = schema.properties?.[segment];
    if (property) return [property];
    for (const [pattern, patternSchema] of Object.entries(schema.patternProperties ?? {})) {
      if (new RegExp(pattern, 'u').test(segment)) return [patternSchema];
    }
    return typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : [];
  }

  /** Follows $ref and flattens oneOf/anyOf/allOf into the list of schemas a node may match. */
  private expand(schema: JsonSchema, seen = new Set<JsonSchema>()): JsonSchema[] {
    if (seen.has(schema)) return [];
    seen.add(schema);
    const result: JsonSchema[] = [];
    const target = schema.$ref ? this.resolveReference(schema.$ref) : undefined;
    if (target) result.push(...this.expand(target, seen));
    result.push(schema);
    for (const branch of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) {
      result.push(...this.expand(branch, seen));
    }
    return result;
  }

  private resolveReference(reference: string): JsonSchema | undefined {
    if (!reference.startsWith('#')) return undefined;
    let node: unknown = this.root;
    for (const raw of reference.slice(1).split('/').filter(Boolean)) {
      const segment = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
    return node && typeof node === 'object' ? (node as JsonSchema) : undefined;
  }
}

export function valuesOf(schemas: JsonSchema[]): unknown[] {
  const values: unknown[] = [];
  for (const schema of schemas) {
    for (const value of schema.enum ?? []) if (!values.includes(value)) values.push(value);
    if (schema.const !== undefined && !values.includes(schema.const)) values.push(schema.const);
  }
  return values;
}

export function descriptionOf(schemas: JsonSchema[]): string | undefined {
  for (const schema of schemas) {
    const text = schema.markdownDescription ?? schema.description;
    if (text) return text;
  }
  return undefined;
}

/** A short type line for docs, e.g. `integer (64–10240), default 256`. */
export function summaryOf(schemas: JsonSchema[]): string | undefined {
  const types = new Set<string>();
  let minimum: number | undefined;
  let maximum: number | undefined;
  let defaultValue: unknown;
  for (const schema of schemas) {
    for (const type of [schema.type ?? []].flat()) types.add(type);
    minimum ??= schema.minimum;
    maximum ??= schema.maximum;
    defaultValue ??= schema.default;
  }
  const parts: string[] = [];
  if (types.size) parts.push([...types].join(' | '));
  if (minimum !== undefined || maximum !== undefined) parts.push(`(${minimum ?? '…'}–${maximum ?? '…'})`);
  let summary = parts.join(' ');
  if (defaultValue !== undefined) summary += `${summary ? ', ' : ''}default ${JSON.stringify(defaultValue)}`;
  return summary || undefined;
}
