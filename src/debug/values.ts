// Debug layer: turns V8 remote objects into the one-line values a DAP client shows (with previews of objects,
// arrays, Maps, Sets and Buffers) and into call arguments for assignments.

import type { Protocol } from './cdp';

/** Longest string shown inline before it is cut with an ellipsis. */
const maximumStringLength = 10_000;

export function describeValue(value: Protocol.RemoteObject): string {
  switch (value.type) {
    case 'undefined':
      return 'undefined';
    case 'string': {
      const text = String(value.value);
      return JSON.stringify(text.length > maximumStringLength ? text.slice(0, maximumStringLength) + '…' : text);
    }
    case 'number':
    case 'boolean':
      return value.unserializableValue ?? value.description ?? String(value.value);
    case 'bigint':
      return value.unserializableValue ?? value.description ?? '';
    case 'symbol':
      return value.description ?? 'Symbol()';
    case 'function':
      return describeFunction(value.description ?? 'function');
    case 'object':
      if (value.subtype === 'null') return 'null';
      if (value.preview) return describePreview(value.preview, value.description);
      return value.description ?? value.className ?? 'Object';
  }
}

/** Whether a client can expand this value into children. */
export function isExpandable(value: Protocol.RemoteObject): boolean {
  return value.objectId !== undefined && value.type !== 'function' && value.subtype !== 'null';
}

/** The DAP `type` attribute for a value. */
export function typeOf(value: Protocol.RemoteObject): string {
  if (value.type === 'object') return value.subtype === 'null' ? 'null' : (value.className ?? value.subtype ?? 'object');
  return value.type;
}

/** The argument that hands this value to another CDP call (by identity for objects). */
export function toCallArgument(value: Protocol.RemoteObject): Protocol.CallArgument {
  if (value.objectId) return { objectId: value.objectId };
  if (value.unserializableValue !== undefined) return { unserializableValue: value.unserializableValue };
  if (value.type === 'undefined') return {};
  return { value: value.value };
}

function describeFunction(description: string): string {
  const header = description.split('\n', 1)[0]!;
  return header.length > 80 ? header.slice(0, 80) + '…' : header;
}

function describePreview(preview: Protocol.ObjectPreview, description: string | undefined): string {
  const more = preview.overflow ? ', …' : '';
  if (preview.subtype === 'array' || preview.subtype === 'typedarray') {
    const items = preview.properties.filter((property) => /^\d+$/.test(property.name)).map(describePreviewProperty);
    return `${description ?? 'Array'} [${items.join(', ')}${more}]`;
  }
  if (preview.subtype === 'map' || preview.subtype === 'set') {
    const entries = (preview.entries ?? []).map((entry) =>
      entry.key ? `${describeNestedPreview(entry.key)} => ${describeNestedPreview(entry.value)}` : describeNestedPreview(entry.value),
    );
    return `${description ?? preview.subtype} {${entries.join(', ')}${more}}`;
  }
  if (preview.subtype === 'error' || preview.subtype === 'regexp' || preview.subtype === 'date') {
    return (description ?? '').split('\n', 1)[0]!;
  }
  const properties = preview.properties.map((property) => `${property.name}: ${describePreviewProperty(property)}`);
  const prefix = description && description !== 'Object' ? `${description} ` : '';
  return `${prefix}{${properties.join(', ')}${more}}`;
}

function describePreviewProperty(property: Protocol.ObjectPreview['properties'][number]): string {
  if (property.type === 'string') return JSON.stringify(property.value ?? '');
  if (property.type === 'object') {
    if (property.subtype === 'null') return 'null';
    if (property.subtype === 'array') return property.value ?? 'Array';
    return property.value && property.value !== 'Object' ? property.value : '{…}';
  }
  if (property.type === 'function') return 'ƒ';
  return property.value ?? property.type;
}

function describeNestedPreview(preview: Protocol.ObjectPreview): string {
  if (preview.type === 'string') return JSON.stringify(preview.description ?? '');
  if (preview.type === 'object' && preview.properties.length === 0) return preview.description ?? '{…}';
  if (preview.type === 'object') return describePreview(preview, preview.description);
  return preview.description ?? preview.type;
}
