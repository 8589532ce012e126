// Language layer: hovers in nimbus.yaml — schema docs for keys, a sentence and the next fire times for a cron, the resolved file for a handler.
import { pathToFileURL } from 'node:url';
import { relative } from 'node:path';
import { MarkupKind, Range, type Hover } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileAccess } from '../shared/manifest';
import { nextFireTimes } from '../shared/events';
import { functionOfHandlerPath, resolveHandler } from './handlerResolution';
import { describeCron } from './cronDescription';
import { descriptionOf, summaryOf, type SchemaNavigator } from './schemaNavigator';
import { scalarAt, stringValueOf, type ParsedYaml } from './yamlCursor';

export interface HoverEnvironment {
  document: TextDocument;
  yaml: ParsedYaml;
  root: string;
  schema: SchemaNavigator;
  files: FileAccess;
}

const fireTimeCount = 5;

export async function hoverManifest(environment: HoverEnvironment, offset: number): Promise<Hover | undefined> {
  const location = scalarAt(environment.yaml, offset);
  if (!location) return undefined;
  const range = Range.create(environment.document.positionAt(location.start), environment.document.positionAt(location.end));
  const hover = (value: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range });

  if (location.kind === 'value' && typeof location.scalar.value === 'string') {
    const key = location.path[location.path.length - 1];
    if (key === 'cron') {
      const text = cronHover(location.scalar.value, stringValueOf(location.parentMap, 'timezone'));
      if (text) return hover(text);
    }
    if (functionOfHandlerPath(location.path)) return hover(await handlerHover(environment, location.scalar.value));
  }
  const schemas = environment.schema.at(location.path);
  const title = schemas.map((schema) => schema.title).find(Boolean);
  const description = descriptionOf(schemas);
  if (!description) return undefined;
  const summary = summaryOf(schemas);
  const heading = `**${title ?? String(location.path[location.path.length - 1])}**${summary ? ` — ${summary}` : ''}`;
  return hover(`${heading}\n\n${description}`);
}

/** A sentence and the next fire times of a valid cron; undefined when the expression does not parse. */
function cronHover(expression: string, timezone: string | undefined): string | undefined {
  let times: Date[];
  try {
    times = nextFireTimes(expression, fireTimeCount, timezone);
  } catch {
    return undefined;
  }
  const zone = timezone ?? 'UTC';
  const sentence = describeCron(expression);
  const lines = times.map((time) => `- ${formatInZone(time, zone)}`);
  const heading = sentence ? `**${sentence}** (${zone})` : `**Cron** (${zone})`;
  return times.length ? `${heading}\n\nNext ${times.length} runs:\n${lines.join('\n')}` : `${heading}\n\nNever fires.`;
}

/** `2026-11-23 16:40:00` in the cron's own zone, so the list reads like the expression. */
function formatInZone(time: Date, timezone: string): string {
  // The Swedish locale writes ISO-like `YYYY-MM-DD HH:MM:SS`, which every reader parses at a glance.
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(time);
}

async function handlerHover(environment: HoverEnvironment, handler: string): Promise<string> {
  const resolved = await resolveHandler(environment.root, handler, environment.files);
  if (!resolved.file) return `**Handler** \`${handler}\`\n\nNo file found for \`${resolved.writtenPath}\`.`;
  const shown = relative(environment.root, resolved.file).split('\\').join('/');
  const link = `[${shown}](${pathToFileURL(resolved.file).href})`;
  const exported = resolved.exports?.includes(resolved.exportName)
    ? `export \`${resolved.exportName}\``
    : `export \`${resolved.exportName}\` is missing${resolved.exports?.length ? ` (exports: ${resolved.exports.map((name) => `\`${name}\``).join(', ')})` : ''}`;
  return `**Handler** ${link} — ${exported}\n\n\`${resolved.file}\``;
}
