// Shared layer: parses nimbus.yaml into the Manifest model with exact-range diagnostics; pure, so the language server can run it per keystroke.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Cron } from 'croner';
import { parseDocument, visit, type Alias, type Document, type YAMLError } from 'yaml';
import { compileRoute, routeShape, routeSyntaxError } from '../http/routes';
import { quoteBraceRoutes, YamlLocator, type PathSegment } from './locate';
import {
  builtinDefaults,
  triggerTypes,
  type FunctionDefaults,
  type FunctionSpec,
  type HttpMethod,
  type Manifest,
  type ManifestDiagnostic,
  type SourceRange,
  type Trigger,
} from './model';
import { basename, dirname, isAbsolutePath, joinPath } from './paths';
import schema from './nimbus.schema.json';

export interface ParseResult {
  /** Present when the document has the shape of a manifest (no YAML or schema errors); semantic errors still leave it. */
  manifest?: Manifest;
  diagnostics: ManifestDiagnostic[];
}

export const manifestSchema: unknown = schema;

let validator: ValidateFunction | undefined;

/** Compiled once on first use: compiling costs more than validating many documents. */
function validate(value: unknown): ErrorObject[] {
  // strict: false because the schema carries editor keywords (markdownDescription, defaultSnippets) that ajv does not know;
  // verbose: true so each error carries its schema node, whose property names make 'expected one of …' messages.
  if (!validator) {
    // Required here rather than imported: loading ajv costs a few ms that the extension's activation need not pay.
    const { default: Ajv } = require('ajv') as typeof import('ajv');
    validator = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  }
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

export function parseManifest(text: string, file: string): ParseResult {
  const repaired = quoteBraceRoutes(text);
  const document = parseDocument(repaired.text, { prettyErrors: false, merge: true });
  const locator = new YamlLocator(document, repaired.text, text, repaired.edits);
  const diagnostics: ManifestDiagnostic[] = [];
  const report = (range: SourceRange, code: string, message: string, severity: ManifestDiagnostic['severity'] = 'error') =>
    diagnostics.push({ file, range, severity, code, message });

  for (const problem of describeYamlErrors(document, locator, repaired.text, basename(file))) report(problem.range, 'yaml', problem.message);
  for (const problem of document.warnings) {
    report(locator.offsetRange(problem.pos[0], problem.pos[1]), 'yaml', problem.message, 'warning');
  }
  if (document.errors.length > 0) return { diagnostics };
  const unresolved = describeUnresolvedAliases(document, locator);
  for (const problem of unresolved) report(problem.range, 'yaml', problem.message);
  if (unresolved.length > 0) return { diagnostics };

  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // What the checks above do not foresee (too many aliases, say) is still the document's problem, so it is said here rather than thrown.
    report(locator.offsetRange(0, 0), 'yaml', `could not read the YAML: ${error instanceof Error ? error.message : String(error)}`);
    return { diagnostics };
  }
  if (value === null || value === undefined) {
    report(locator.offsetRange(0, 0), 'schema', 'the manifest is empty; add `functions:` with at least one function (run `nimbus init` for a sample)');
    return { diagnostics };
  }
  const schemaErrors = validate(value);
  const seen = new Set<string>();
  for (const error of schemaErrors) {
    const described = describeSchemaError(error, value, locator);
    if (!described) continue;
    const key = `${JSON.stringify(described.range)} ${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    report(described.range, 'schema', described.message);
  }
  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { diagnostics: sortDiagnostics(diagnostics) };

  const manifest = buildManifest(value as RawManifest, file, locator);
  checkSemantics(manifest, locator, report);
  return { manifest, diagnostics: sortDiagnostics(diagnostics) };
}

/** In reading order, so the CLI lists problems top to bottom. */
export function sortDiagnostics(diagnostics: ManifestDiagnostic[]): ManifestDiagnostic[] {
  return diagnostics.sort((left, right) => left.range.start.line - right.range.start.line || left.range.start.column - right.range.start.column);
}

/** The yaml library's errors in words about nimbus.yaml, at the text to fix; errors it has no better words for keep its own. */
function describeYamlErrors(document: Document, locator: YamlLocator, text: string, fileName: string): DescribedError[] {
  const unclosed = document.errors.filter((problem) => problem.code === 'MISSING_CHAR' && /quote/.test(problem.message));
  // An unclosed string swallows the rest of the file, so other errors at its end are its consequences.
  const consequences = new Set(unclosed.map((problem) => problem.pos[0]));
  return document.errors
    .filter((problem) => unclosed.includes(problem) || !consequences.has(problem.pos[0]))
    .map((problem) => describeYamlError(problem, document, locator, text, fileName));
}

function describeYamlError(problem: YAMLError, document: Document, locator: YamlLocator, text: string, fileName: string): DescribedError {
  const [start, end] = problem.pos;
  switch (problem.code) {
    case 'MULTIPLE_DOCS': {
      const what = text.startsWith('---', start) ? 'this --- and what follows' : 'it (from here to the end of the file)';
      return {
        range: locator.restOfLine(start),
        message: `${fileName} must be a single YAML document, but a second one starts here; remove ${what}, or merge the two into one`,
      };
    }
    case 'DUPLICATE_KEY': {
      const found = locator.keyAt(start);
      if (!found?.name) break;
      const scope = found.path.length ? `in ${displayPath(found.path)}` : 'at the top level';
      const firstLine = found.first?.range ? ` (first on line ${locator.rangeOf(found.first).start.line})` : '';
      return { range: locator.rangeOf(found.key), message: `${found.name} is given twice ${scope}${firstLine}; keep one` };
    }
    case 'MISSING_CHAR': {
      // The library reports where the file ends; the opening quote is where the string began, which is what to fix.
      const quote = problem.message.includes("'") ? "'" : '"';
      const opening = openStringEndingAt(document, start);
      if (opening === undefined) break;
      return { range: locator.restOfLine(opening), message: `this string has no closing ${quote}; add ${quote} where it ends` };
    }
  }
  return { range: locator.offsetRange(start, end), message: `YAML syntax error: ${problem.message}` };
}

/** Start offset of the quoted scalar that runs up to `end` (an unclosed one ends where the file does). */
function openStringEndingAt(document: Document, end: number): number | undefined {
  let start: number | undefined;
  visit(document, {
    Scalar(_key, node) {
      const range = node.range;
      if (!range || (node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE')) return;
      if (range[0] < end && end <= range[1] && (start === undefined || range[0] > start)) start = range[0];
    },
  });
  return start;
}

/** Aliases with no anchor before them: the yaml library accepts them while parsing and only fails when asked for the values. */
function describeUnresolvedAliases(document: Document, locator: YamlLocator): DescribedError[] {
  const anchors = new Set<string>();
  const unresolved: Alias[] = [];
  visit(document, {
    Alias(_key, node) {
      if (!node.resolve(document)) unresolved.push(node);
    },
    Node(_key, node) {
      if (node.anchor) anchors.add(node.anchor);
    },
  });
  return unresolved.map((alias) => ({
    range: locator.rangeOf(alias),
    message: anchors.has(alias.source)
      ? `alias *${alias.source} is used before its anchor; move &${alias.source} above this line (YAML reads anchors top to bottom)`
      : `alias *${alias.source} is not defined; define it with &${alias.source} before using it`,
  }));
}

interface RawManifest {
  service?: string;
  defaults?: Partial<FunctionDefaults>;
  functions: Record<string, RawFunction>;
}

interface RawFunction {
  handler: string;
  description?: string;
  runtime?: string;
  memory?: number;
  timeout?: number;
  concurrency?: number;
  instanceConcurrency?: number;
  env?: Record<string, string>;
  network?: boolean;
  triggers?: Record<string, Record<string, unknown>>[];
}

function buildManifest(raw: RawManifest, file: string, locator: YamlLocator): Manifest {
  const root = dirname(file);
  const defaults: FunctionDefaults = { ...builtinDefaults, ...raw.defaults };
  const functions = Object.entries(raw.functions ?? {}).map(([name, spec]): FunctionSpec => {
    const { path, exportName } = splitHandler(spec.handler);
    return {
      name,
      handler: spec.handler,
      handlerFile: joinPath(root, path),
      handlerExport: exportName,
      runtime: spec.runtime ?? defaults.runtime,
      memory: spec.memory ?? defaults.memory,
      timeout: spec.timeout ?? defaults.timeout,
      env: { ...spec.env },
      concurrency: spec.concurrency ?? defaults.concurrency,
      instanceConcurrency: spec.instanceConcurrency ?? defaults.instanceConcurrency,
      network: spec.network ?? false,
      triggers: (spec.triggers ?? []).map((item, index) => buildTrigger(item, locator.valueRange(['functions', name, 'triggers', index]))),
      range: locator.keyRange(['functions', name]),
      handlerRange: locator.valueRange(['functions', name, 'handler']),
      ...(spec.description === undefined ? {} : { description: spec.description }),
    };
  });
  return { path: file, root, service: raw.service ?? basename(root), defaults, functions };
}

/** `src/thumbnail.handler` → file `src/thumbnail`, export `handler`; the last dot separates them so `a.ts.handler` works. */
export function splitHandler(handler: string): { path: string; exportName: string } {
  const index = handler.lastIndexOf('.');
  return index <= 0 ? { path: handler, exportName: '' } : { path: handler.slice(0, index), exportName: handler.slice(index + 1) };
}

function buildTrigger(item: Record<string, Record<string, unknown>>, range: SourceRange): Trigger {
  const [type, options] = Object.entries(item)[0];
  switch (type) {
    case 'http':
      return {
        type,
        method: ((options.method as string | undefined) ?? 'ANY') as HttpMethod,
        path: options.path as string,
        auth: (options.auth as 'none' | 'token' | undefined) ?? 'none',
        range,
      };
    case 'storage':
      return {
        type,
        bucket: options.bucket as string,
        events: (options.events as ('created' | 'deleted')[] | undefined) ?? ['created'],
        ...(options.prefix === undefined ? {} : { prefix: options.prefix as string }),
        ...(options.suffix === undefined ? {} : { suffix: options.suffix as string }),
        range,
      };
    case 'queue':
      return {
        type,
        topic: options.topic as string,
        batchSize: (options.batchSize as number | undefined) ?? 10,
        maxRetries: (options.maxRetries as number | undefined) ?? 3,
        range,
      };
    default:
      return {
        type: 'schedule',
        cron: options.cron as string,
        ...(options.timezone === undefined ? {} : { timezone: options.timezone as string }),
        range,
      };
  }
}

type Report = (range: SourceRange, code: string, message: string, severity?: ManifestDiagnostic['severity']) => void;

function checkSemantics(manifest: Manifest, locator: YamlLocator, report: Report): void {
  const routes = new Map<string, { functionName: string; routeKey: string; path: PathSegment[] }[]>();
  for (const fn of manifest.functions) {
    const handlerPath = splitHandler(fn.handler).path;
    if (isAbsolutePath(handlerPath)) {
      report(locator.valueRange(['functions', fn.name, 'handler']), 'handler-syntax',
        `functions.${fn.name}.handler: '${fn.handler}' is an absolute path; write it relative to the folder of nimbus.yaml, e.g. src/index.handler`);
    }
    for (const [index, trigger] of fn.triggers.entries()) {
      const at: PathSegment[] = ['functions', fn.name, 'triggers', index, trigger.type];
      const where = `functions.${fn.name}.triggers[${index}].${trigger.type}`;
      if (trigger.type === 'schedule') {
        checkSchedule(trigger.cron, trigger.timezone, where, at, locator, report);
      } else if (trigger.type === 'http') {
        const problem = routeSyntaxError(trigger.path);
        if (problem) {
          report(locator.valueRange([...at, 'path']), 'route', `${where}.path: ${problem}`);
          continue;
        }
        const route = compileRoute(trigger.method, trigger.path);
        const shape = routeShape(route);
        routes.set(shape, [...(routes.get(shape) ?? []), { functionName: fn.name, routeKey: route.routeKey, path: at }]);
      } else if (trigger.type === 'storage' && trigger.prefix?.startsWith('/')) {
        report(locator.valueRange([...at, 'prefix']), 'storage-prefix',
          `${where}.prefix: object keys never start with '/'; write '${trigger.prefix.replace(/^\/+/, '')}'`, 'warning');
      }
    }
  }
  for (const owners of routes.values()) {
    if (owners.length < 2) continue;
    for (const owner of owners) {
      const others = owners.filter((other) => other !== owner).map((other) => `'${other.routeKey}' of function '${other.functionName}'`);
      report(locator.valueRange([...owner.path, 'path']), 'duplicate-route',
        `route '${owner.routeKey}' is also declared as ${others.join(' and ')}; each method and route may belong to one function only`);
    }
  }
}

function checkSchedule(cron: string, timezone: string | undefined, where: string, at: PathSegment[], locator: YamlLocator, report: Report): void {
  if (timezone !== undefined && !isTimeZone(timezone)) {
    report(locator.valueRange([...at, 'timezone']), 'timezone', `${where}.timezone: unknown time zone '${timezone}'; use an IANA name like Europe/Berlin or UTC`);
    return;
  }
  let job: Cron;
  try {
    job = new Cron(cron, { paused: true, timezone: timezone ?? 'UTC' });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, '');
    report(locator.valueRange([...at, 'cron']), 'cron',
      `${where}.cron: '${cron}' is not a valid cron expression: ${reason} (expected 'minute hour day month weekday', e.g. '*/5 * * * *')`);
    return;
  }
  if (job.nextRun() === null) {
    report(locator.valueRange([...at, 'cron']), 'cron', `${where}.cron: '${cron}' never fires; check the day and month fields`, 'warning');
  }
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const units: Record<string, string> = { memory: ' MB', timeout: ' seconds' };

const patternMessages: Record<string, string> = {
  handler: "must be '<file>.<export>' relative to nimbus.yaml, e.g. src/thumbnail.handler",
  path: "must start with '/', e.g. /thumbs/{id}",
  bucket: "must use lower-case letters, digits, '.' and '-' only, starting with a letter or digit",
  topic: "must use letters, digits, '_' and '-' only",
  service: "must use letters, digits, '_' and '-' only, starting with a letter or digit",
};

const triggerExamples: Record<string, string> = {
  http: 'http: { method: GET, path: /items/{id} }',
  storage: 'storage: { bucket: uploads }',
  queue: 'queue: { topic: orders }',
  schedule: "schedule: { cron: '*/5 * * * *' }",
};

const requiredHints: Record<string, string> = {
  handler: ', e.g. handler: src/index.handler',
  path: ', e.g. path: /items/{id}',
  functions: '; add `functions:` with at least one function (run `nimbus init` for a sample)',
  bucket: ', e.g. bucket: uploads',
  topic: ', e.g. topic: orders',
  cron: ", e.g. cron: '*/5 * * * *'",
};

interface DescribedError {
  range: SourceRange;
  message: string;
}

function describeSchemaError(error: ErrorObject, document: unknown, locator: YamlLocator): DescribedError | undefined {
  const path = instancePath(error.instancePath, document);
  const where = displayPath(path);
  const prefix = where ? `${where}: ` : '';
  const value = valueAt(document, path);
  const last = path[path.length - 1];
  const params = error.params as Record<string, unknown>;
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;

  if (error.keyword === 'propertyNames') return undefined;
  if (propertyName !== undefined) {
    const message = where === 'functions'
      ? `function name '${propertyName}' is not valid; start with a letter, then letters, digits, '_' or '-' (at most 64 characters)`
      : `${prefix}'${propertyName}' is not a valid environment variable name; use letters, digits and '_', not starting with a digit`;
    return { range: locator.keyRange([...path, propertyName]), message };
  }
  switch (error.keyword) {
    case 'type': {
      const expected = String(params.type);
      let message = `${prefix}expected ${article(expected)}${units[String(last)] ? ` (${units[String(last)].trim()})` : ''}, found ${describeValue(value)}`;
      if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) message += `; quote it: "${String(value)}"`;
      if (isTriggerPath(path) && typeof value === 'string') message += `; write a trigger as a key with options, e.g. - ${value}: { ... }`;
      if (value === null && path.length === 2 && path[0] === 'functions') message += ', e.g. handler: src/index.handler on the next line, indented';
      if (value === null && path.length === 5 && isTriggerPath(path.slice(0, 4))) message += `; give its options, e.g. ${triggerExamples[String(last)] ?? '{ ... }'}`;
      return { range: locator.valueRange(path), message };
    }
    case 'minimum':
    case 'maximum': {
      const unit = units[String(last)] ?? '';
      const side = error.keyword === 'minimum' ? 'below the minimum' : 'above the maximum';
      return { range: locator.valueRange(path), message: `${prefix}${String(value)} is ${side} ${String(params.limit)}${unit}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      let message = `${prefix}'${String(value)}' is not allowed; expected one of ${allowed.join(', ')}`;
      const upper = typeof value === 'string' ? value.toUpperCase() : undefined;
      if (upper && upper !== value && allowed.includes(upper)) message += ` (write it in upper case: ${upper})`;
      return { range: locator.valueRange(path), message };
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(propertiesAt(error.parentSchema));
      if (isTriggerPath(path)) {
        return { range: locator.keyRange([...path, name]), message: `${prefix}unknown trigger type '${name}'; expected one of ${triggerTypes.join(', ')}` };
      }
      const suggestion = closest(name, known);
      const scope = where ? `in ${where}` : 'at the top level';
      return {
        range: locator.keyRange([...path, name]),
        message: `unknown property '${name}' ${scope}; expected one of ${known.join(', ')}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`
          + (where ? '' : '; keys starting with x- are free, e.g. for YAML anchors'),
      };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const message = `${where ? `${where} is` : 'the manifest is'} missing '${missing}'${requiredHints[missing] ?? ''}`;
      return { range: path.length ? locator.keyRange(path) : locator.offsetRange(0, 0), message };
    }
    case 'minProperties':
      if (isTriggerPath(path)) return { range: locator.valueRange(path), message: `${prefix}empty trigger; write one of ${triggerTypes.join(', ')}` };
      break;
    case 'maxProperties':
      if (isTriggerPath(path)) {
        const keys = Object.keys(value as object).join(', ');
        return { range: locator.valueRange(path), message: `${prefix}a trigger has exactly one key but this one has ${keys}; write each trigger as its own list item` };
      }
      break;
    case 'pattern': {
      const rule = patternMessages[String(last)] ?? `must match ${String(params.pattern)}`;
      return { range: locator.valueRange(path), message: `${prefix}'${String(value)}' ${rule}` };
    }
    case 'minLength':
      return { range: locator.valueRange(path), message: `${prefix}must not be empty` };
    case 'minItems':
      return { range: locator.valueRange(path), message: `${prefix}list at least one item` };
    case 'uniqueItems':
      return { range: locator.valueRange(path), message: `${prefix}lists '${String((value as unknown[])[Number(params.j)])}' twice` };
  }
  return { range: locator.valueRange(path), message: `${prefix}${error.message ?? 'is not valid'}` };
}

/** JSON pointer → path segments, with array indexes as numbers (read off the document so `/0` in a map stays a key). */
function instancePath(pointer: string, document: unknown): PathSegment[] {
  if (!pointer) return [];
  const segments: PathSegment[] = [];
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(current) ? Number(key) : key;
    segments.push(segment);
    current = (current as Record<string, unknown> | undefined)?.[segment as string];
  }
  return segments;
}

function valueAt(document: unknown, path: readonly PathSegment[]): unknown {
  return path.reduce<unknown>((current, segment) => (current as Record<string, unknown> | undefined)?.[segment as string], document);
}

/** `functions.thumbnail.triggers[0].http.method` */
export function displayPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment), '');
}

function isTriggerPath(path: readonly PathSegment[]): boolean {
  return path.length === 4 && path[0] === 'functions' && path[2] === 'triggers' && typeof path[3] === 'number';
}

function propertiesAt(schemaNode: unknown): Record<string, unknown> {
  return ((schemaNode as { properties?: Record<string, unknown> } | undefined)?.properties) ?? {};
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false' };
  return names[type] ?? type;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value}'`;
  return `${typeof value} ${String(value)}`;
}

/** The known name within edit distance 2 of a misspelled one, if any. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const cost = left[row - 1] === right[column - 1] ? 0 : 1;
      current[column] = Math.min(previous[column] + 1, current[column - 1] + 1, previous[column - 1] + cost);
    }
    previous = current;
  }
  return previous[right.length];
}
