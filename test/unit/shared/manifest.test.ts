// Unit tests of nimbus.yaml parsing, validation messages and their exact positions (DESIGN §2).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseManifest, type ManifestDiagnostic, type SourcePosition } from '../../../src/shared/manifest';
import schema from '../../../src/shared/manifest/nimbus.schema.json';

const fixture = path.resolve(__dirname, '../../fixtures/manifests/photo-app/nimbus.yaml');

/** 1-based position of the n-th occurrence of a snippet, so expectations read like the YAML they point at. */
function positionOf(text: string, snippet: string, occurrence = 0): SourcePosition {
  let index = -1;
  for (let count = 0; count <= occurrence; count++) {
    index = text.indexOf(snippet, index + 1);
    assert.ok(index >= 0, `snippet '${snippet}' not in text`);
  }
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function only(diagnostics: ManifestDiagnostic[], code: string): ManifestDiagnostic {
  const matching = diagnostics.filter((diagnostic) => diagnostic.code === code);
  assert.equal(matching.length, 1, `expected one '${code}' diagnostic, got: ${JSON.stringify(diagnostics.map((d) => d.message))}`);
  return matching[0];
}

function parse(text: string) {
  return parseManifest(text, '/projects/demo/nimbus.yaml');
}

describe('manifest parsing', () => {
  it('parses the DESIGN §2 sample verbatim, including {id} inside a flow mapping', () => {
    const text = readFileSync(fixture, 'utf8');
    const { manifest, diagnostics } = parseManifest(text, fixture);
    assert.deepEqual(diagnostics, []);
    assert.ok(manifest);
    assert.equal(manifest.service, 'photo-app');
    assert.equal(manifest.root, path.dirname(fixture));
    const thumbnail = manifest.functions[0];
    assert.equal(thumbnail.name, 'thumbnail');
    assert.equal(thumbnail.handlerExport, 'handler');
    assert.equal(thumbnail.handlerFile, path.join(path.dirname(fixture), 'src/thumbnail'));
    assert.deepEqual([thumbnail.memory, thumbnail.timeout, thumbnail.concurrency, thumbnail.runtime], [512, 30, 10, 'node20']);
    assert.deepEqual(thumbnail.env, { SIZE: '128' });
    assert.equal(thumbnail.network, false);
    assert.deepEqual(
      thumbnail.triggers.map(({ range, ...trigger }) => trigger),
      [
        { type: 'http', method: 'GET', path: '/thumbs/{id}', auth: 'none' },
        { type: 'storage', bucket: 'uploads', events: ['created'], prefix: 'img/', suffix: '.png' },
        { type: 'queue', topic: 'orders', batchSize: 10, maxRetries: 3 },
        { type: 'schedule', cron: '*/5 * * * *' },
      ],
    );
    assert.deepEqual(thumbnail.handlerRange?.start, positionOf(text, 'src/thumbnail.handler'));
    assert.deepEqual(thumbnail.triggers[0].range?.start, positionOf(text, 'http: { method: GET'));
  });

  it('keeps columns exact after a {param} route on the same line', () => {
    const text = 'functions:\n  a:\n    handler: src/a.handler\n    triggers:\n      - http: { method: GET, path: /a/{id}/b/{proxy+}, auth: tokn }\n';
    const diagnostic = only(parse(text).diagnostics, 'schema');
    assert.deepEqual(diagnostic.range, { start: positionOf(text, 'tokn'), end: { ...positionOf(text, 'tokn'), column: positionOf(text, 'tokn').column + 4 } });
    assert.equal(diagnostic.message, "functions.a.triggers[0].http.auth: 'tokn' is not allowed; expected one of none, token");
  });

  it('applies built-in defaults, then the defaults section; the service defaults to the folder name', () => {
    const { manifest, diagnostics } = parse(`defaults:
  memory: 1024
  runtime: node22
functions:
  a:
    handler: index.handler
    timeout: 5
    network: true
    triggers:
      - http: { path: /a }
      - storage: { bucket: uploads }
      - queue: { topic: jobs }
`);
    assert.deepEqual(diagnostics, []);
    assert.ok(manifest);
    assert.equal(manifest.service, 'demo');
    assert.deepEqual(manifest.defaults, { runtime: 'node22', memory: 1024, timeout: 10, concurrency: 10, instanceConcurrency: 1 });
    const [fn] = manifest.functions;
    assert.deepEqual([fn.runtime, fn.memory, fn.timeout, fn.concurrency, fn.network], ['node22', 1024, 5, 10, true]);
    assert.equal(fn.handlerFile, '/projects/demo/index');
    assert.deepEqual(fn.triggers.map(({ range, ...trigger }) => trigger), [
      { type: 'http', method: 'ANY', path: '/a', auth: 'none' },
      { type: 'storage', bucket: 'uploads', events: ['created'] },
      { type: 'queue', topic: 'jobs', batchSize: 10, maxRetries: 3 },
    ]);
  });

  it('reports an unknown trigger type at its key', () => {
    const text = 'functions:\n  a:\n    handler: src/a.handler\n    triggers:\n      - sqs: { queue: orders }\n';
    const { manifest, diagnostics } = parse(text);
    assert.equal(manifest, undefined);
    const diagnostic = only(diagnostics, 'schema');
    assert.deepEqual(diagnostic.range.start, positionOf(text, 'sqs'));
    assert.equal(diagnostic.message, "functions.a.triggers[0]: unknown trigger type 'sqs'; expected one of http, storage, queue, schedule");
    assert.equal(diagnostic.file, '/projects/demo/nimbus.yaml');
  });

  it('reports memory and timeout out of range at the value, with the unit', () => {
    const text = 'functions:\n  thumbnail:\n    handler: src/a.handler\n    memory: 99999\n    timeout: 0\n';
    const { diagnostics } = parse(text);
    assert.equal(diagnostics.length, 2);
    assert.deepEqual(diagnostics[0].range.start, positionOf(text, '99999'));
    assert.equal(diagnostics[0].message, 'functions.thumbnail.memory: 99999 is above the maximum 10240 MB');
    assert.deepEqual(diagnostics[1].range.start, positionOf(text, '0\n'));
    assert.equal(diagnostics[1].message, 'functions.thumbnail.timeout: 0 is below the minimum 1 seconds');
  });

  it('reads instanceConcurrency (1 unless set) and refuses one out of range at the value', () => {
    const text = 'functions:\n  a:\n    handler: src/a.handler\n    instanceConcurrency: 32\n  b:\n    handler: src/b.handler\n';
    const { manifest } = parse(text);
    assert.deepEqual(manifest?.functions.map((fn) => fn.instanceConcurrency), [32, 1]);
    const bad = 'functions:\n  a:\n    handler: src/a.handler\n    instanceConcurrency: 0\n';
    const { diagnostics } = parse(bad);
    assert.equal(diagnostics.length, 1);
    assert.deepEqual(diagnostics[0].range.start, positionOf(bad, '0\n'));
    assert.match(diagnostics[0].message, /^functions\.a\.instanceConcurrency: 0 is below the minimum 1/);
  });

  it('quotes croner\'s reason for a bad cron and still returns the manifest', () => {
    const text = 'functions:\n  nightly:\n    handler: src/a.handler\n    triggers:\n      - schedule: { cron: "61 * * * *" }\n';
    const { manifest, diagnostics } = parse(text);
    assert.ok(manifest, 'semantic errors keep the model for editors');
    const diagnostic = only(diagnostics, 'cron');
    assert.deepEqual(diagnostic.range.start, positionOf(text, '"61'));
    assert.match(diagnostic.message, /^functions\.nightly\.triggers\[0\]\.schedule\.cron: '61 \* \* \* \*' is not a valid cron expression: Invalid value for minute: 61/);
  });

  it('warns about a cron that never fires and rejects an unknown time zone', () => {
    const text = 'functions:\n  a:\n    handler: src/a.handler\n    triggers:\n      - schedule: { cron: "0 0 30 2 *" }\n      - schedule: { cron: "0 * * * *", timezone: Mars/Olympus }\n';
    const { diagnostics } = parse(text);
    assert.deepEqual(diagnostics.map((d) => [d.severity, d.code]), [['warning', 'cron'], ['error', 'timezone']]);
    assert.deepEqual(diagnostics[1].range.start, positionOf(text, 'Mars/Olympus'));
  });

  it('reports a duplicate method and route in both places, even with different parameter names', () => {
    const text = `functions:
  a:
    handler: src/a.handler
    triggers:
      - http: { method: GET, path: /items/{id} }
  b:
    handler: src/b.handler
    triggers:
      - http:
          method: GET
          path: /items/{name}
      - http: { method: POST, path: /items/{name} }
`;
    const { diagnostics } = parse(text);
    const duplicates = diagnostics.filter((d) => d.code === 'duplicate-route');
    assert.equal(duplicates.length, 2);
    assert.deepEqual(duplicates[0].range.start, positionOf(text, '/items/{id}'));
    assert.deepEqual(duplicates[1].range.start, positionOf(text, '/items/{name}'));
    assert.match(duplicates[0].message, /'GET \/items\/\{id\}' is also declared as 'GET \/items\/\{name\}' of function 'b'/);
    assert.match(duplicates[1].message, /of function 'a'/);
  });

  it('checks route syntax: a greedy parameter only last, parameters fill whole segments', () => {
    const text = 'functions:\n  a:\n    handler: src/a.handler\n    triggers:\n      - http: { method: GET, path: /files/{rest+}/meta }\n      - http: { method: GET, path: /x/a{id} }\n';
    const { diagnostics } = parse(text);
    assert.deepEqual(diagnostics.map((d) => d.code), ['route', 'route']);
    assert.deepEqual(diagnostics[0].range.start, positionOf(text, '/files'));
    assert.match(diagnostics[0].message, /greedy parameter '\{rest\+\}' must be the last segment/);
    assert.match(diagnostics[1].message, /parameter fills a whole segment/);
  });

  it('turns YAML syntax errors into diagnostics at their position', () => {
    const { manifest, diagnostics } = parse('functions:\n\ta:\n    handler: src/a.handler\n');
    assert.equal(manifest, undefined);
    assert.equal(diagnostics[0].code, 'yaml');
    assert.equal(diagnostics[0].message, 'YAML syntax error: Tabs are not allowed as indentation');
    assert.deepEqual(diagnostics[0].range.start, { line: 2, column: 1 });
  });

  it('reports an unclosed string from its opening quote to the end of that line, also inside a flow mapping', () => {
    const text = 'functions:\n  a:\n    handler: "src/a.handler\n    memory: 128\n';
    const diagnostic = only(parse(text).diagnostics, 'yaml');
    assert.equal(diagnostic.message, 'this string has no closing "; add " where it ends');
    assert.deepEqual(diagnostic.range, { start: positionOf(text, '"src'), end: { line: 3, column: 28 } });
    const flow = "functions:\n  a:\n    handler: src/a.handler\n    env: { A: 'x, B: y }\n";
    const [inFlow, ...others] = parse(flow).diagnostics;
    assert.deepEqual(others, []);
    assert.equal(inFlow.message, "this string has no closing '; add ' where it ends");
    assert.deepEqual(inFlow.range.start, positionOf(flow, "'x"));
  });

  it('names a duplicate key and its mapping, at the repeated key', () => {
    const text = 'functions:\n  a:\n    handler: src/a.handler\n    memory: 128\n    memory: 256\n';
    const diagnostic = only(parse(text).diagnostics, 'yaml');
    assert.equal(diagnostic.message, 'memory is given twice in functions.a (first on line 4); keep one');
    assert.deepEqual(diagnostic.range, { start: positionOf(text, 'memory', 1), end: { line: 5, column: 11 } });
    const top = parse('functions: {}\nfunctions:\n  a: { handler: src/a.handler }\n').diagnostics;
    assert.equal(top[0].message, 'functions is given twice at the top level (first on line 1); keep one');
    const inList = parse('functions:\n  a:\n    handler: src/a.handler\n    triggers:\n      - http: { path: /a, path: /b }\n').diagnostics;
    assert.equal(inList[0].message, 'path is given twice in functions.a.triggers[0].http (first on line 5); keep one');
  });

  it('says nimbus.yaml is a single YAML document, at the start of the second one', () => {
    const text = 'functions:\n  a:\n    handler: src/a.handler\n---\nfunctions:\n  b:\n    handler: src/b.handler\n';
    const diagnostic = only(parse(text).diagnostics, 'yaml');
    assert.equal(diagnostic.message, 'nimbus.yaml must be a single YAML document, but a second one starts here; remove this --- and what follows, or merge the two into one');
    assert.deepEqual(diagnostic.range, { start: { line: 4, column: 1 }, end: { line: 4, column: 4 } });
    const afterEnd = parse('functions:\n  a:\n    handler: src/a.handler\n...\nfunctions: {}\n').diagnostics;
    assert.match(afterEnd[0].message, /a second one starts here; remove it \(from here to the end of the file\), or merge/);
    assert.deepEqual(afterEnd[0].range, { start: { line: 5, column: 1 }, end: { line: 5, column: 14 } });
  });

  it('reports an alias with no anchor, or with its anchor only further down, at the alias', () => {
    const text = 'functions:\n  api:\n    handler: src/api.handler\n    memory: *nosuch\n';
    const diagnostic = only(parse(text).diagnostics, 'yaml');
    assert.equal(diagnostic.message, 'alias *nosuch is not defined; define it with &nosuch before using it');
    assert.deepEqual(diagnostic.range, { start: positionOf(text, '*nosuch'), end: { line: 4, column: 20 } });
    const later = parse('functions:\n  a:\n    <<: *common\nx-common: &common\n  handler: src/a.handler\n').diagnostics;
    assert.equal(later[0].message, 'alias *common is used before its anchor; move &common above this line (YAML reads anchors top to bottom)');
    assert.deepEqual(later[0].range.start, { line: 3, column: 9 });
  });

  it('suggests the closest property name for a typo, at the key', () => {
    const text = 'functions:\n  a:\n    handler: src/a.handler\n    memroy: 512\n';
    const diagnostic = only(parse(text).diagnostics, 'schema');
    assert.deepEqual(diagnostic.range.start, positionOf(text, 'memroy'));
    assert.match(diagnostic.message, /unknown property 'memroy' in functions\.a; expected one of handler, .* \(did you mean 'memory'\?\)/);
  });

  it('explains wrong types, missing handler, bad handler syntax, lower-case methods and two-key triggers', () => {
    const text = `functions:
  a:
    handler: nodot
    env: { SIZE: 128 }
    triggers:
      - http: { method: get, path: /a }
      - http: { path: /b }
        queue: { topic: q }
  b:
    memory: 128
`;
    const messages = parse(text).diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`);
    assert.deepEqual(messages, [
      "3:14 functions.a.handler: 'nodot' must be '<file>.<export>' relative to nimbus.yaml, e.g. src/thumbnail.handler",
      '4:18 functions.a.env.SIZE: expected a string, found number 128; quote it: "128"',
      "6:25 functions.a.triggers[0].http.method: 'get' is not allowed; expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY (write it in upper case: GET)",
      '7:9 functions.a.triggers[1]: a trigger has exactly one key but this one has http, queue; write each trigger as its own list item',
      "9:3 functions.b is missing 'handler', e.g. handler: src/index.handler",
    ]);
  });

  it('allows x- keys holding YAML anchors, and merge keys', () => {
    const { manifest, diagnostics } = parse('x-common: &common\n  handler: src/a.handler\n  memory: 512\nfunctions:\n  a:\n    <<: *common\n    timeout: 3\n');
    assert.deepEqual(diagnostics, []);
    assert.deepEqual([manifest?.functions[0].handler, manifest?.functions[0].memory, manifest?.functions[0].timeout], ['src/a.handler', 512, 3]);
    assert.match(parse('common: 1\nfunctions: {}\n').diagnostics[0].message, /unknown property 'common' at the top level; .*keys starting with x- are free/);
  });

  it('reports an empty manifest and a missing functions section', () => {
    assert.match(parse('').diagnostics[0].message, /the manifest is empty/);
    const { diagnostics } = parse('service: demo\n');
    assert.equal(diagnostics[0].message, "the manifest is missing 'functions'; add `functions:` with at least one function (run `nimbus init` for a sample)");
    assert.deepEqual(diagnostics[0].range.start, { line: 1, column: 1 });
  });
});

describe('manifest schema', () => {
  it('documents every property with title, description and markdownDescription', () => {
    const undocumented: string[] = [];
    const visit = (node: Record<string, unknown>, where: string) => {
      const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [name, child] of Object.entries(properties)) {
        for (const key of ['title', 'description', 'markdownDescription']) if (typeof child[key] !== 'string') undocumented.push(`${where}.${name} ${key}`);
        visit(child, `${where}.${name}`);
      }
      for (const key of ['items', 'additionalProperties']) {
        const child = node[key];
        if (child && typeof child === 'object') visit(child as Record<string, unknown>, `${where}.${key}`);
      }
    };
    visit(schema as Record<string, unknown>, '');
    assert.deepEqual(undocumented, []);
  });
});
