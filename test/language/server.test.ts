// Language server tests: a real LSP client talks over stdio to the built dist/languageServer.js about real files on disk.
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CompletionItemKind,
  createProtocolConnection,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  ExitNotification,
  FileChangeType,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  ShutdownRequest,
  type CodeAction,
  type CreateFile,
  type Diagnostic,
  type DocumentSymbol,
  type Location,
  type MarkupContent,
  type TextDocumentEdit,
  type TextEdit,
} from 'vscode-languageserver/node';
import { buildLanguageServer, LanguageServerClient, positionOf, serverBundle } from './languageServerClient';

const validManifest = `service: photos
functions:
  thumbnail:
    handler: src/thumbnail.handler
    memory: 512
    triggers:
      - http: { method: GET, path: /thumbs/{id} }
      - schedule: { cron: "*/5 * * * *" }
`;

const thumbnailSource = `import { readFile } from 'node:fs/promises';

export const sizes = [128, 256];

export async function handler(event: { path: string }) {
  return { ok: await readFile(event.path).then(() => true) };
}
`;

describe('language server (LSP over stdio)', function () {
  let root: string;
  let client: LanguageServerClient;
  let projectCount = 0;

  before(async function () {
    this.timeout(60000);
    await buildLanguageServer();
    root = mkdtempSync(join(tmpdir(), 'nimbus-language-'));
    client = await LanguageServerClient.start(root);
  });

  after(async function () {
    await client?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A fresh project folder with the given files; returns the folder and the URI of its nimbus.yaml. */
  function project(files: Record<string, string>): { folder: string; uri: string } {
    const folder = join(root, `project-${++projectCount}`);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(folder, name, '..'), { recursive: true });
      writeFileSync(join(folder, name), text);
    }
    return { folder, uri: pathToFileURL(join(folder, 'nimbus.yaml')).href };
  }

  function byCode(diagnostics: Diagnostic[], code: string): Diagnostic[] {
    return diagnostics.filter((diagnostic) => diagnostic.code === code);
  }

  describe('diagnostics', function () {
    it('publishes no diagnostics for a valid manifest whose handler exists', async function () {
      const { uri } = project({ 'nimbus.yaml': validManifest, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, validManifest);
      assert.deepEqual(await client.diagnostics(uri), []);
      await client.close(uri);
    });

    it('underlines a schema error exactly (0-based LSP range of the bad value)', async function () {
      const text = validManifest.replace('memory: 512', 'memory: lots');
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const [schema] = byCode(await client.diagnostics(uri, (list) => list.length > 0), 'schema');
      assert.ok(schema, 'a schema diagnostic');
      assert.equal(schema.source, 'nimbus');
      assert.deepEqual(schema.range, { start: { line: 4, character: 12 }, end: { line: 4, character: 16 } });
      assert.match(String(schema.message), /memory/);
      await client.close(uri);
    });

    it('reports a missing handler file, a bad cron and duplicate routes with their ranges', async function () {
      const text = `functions:
  first:
    handler: src/missing.handler
    triggers:
      - http: { method: GET, path: /same }
      - schedule: { cron: "61 * * * *" }
  second:
    handler: src/thumbnail.handler
    triggers:
      - http: { method: GET, path: /same }
`;
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const diagnostics = await client.diagnostics(uri, (list) => list.length >= 4);
      const [missing] = byCode(diagnostics, 'handler-file');
      assert.deepEqual(missing.range, { start: positionOf(text, 'src/missing.handler'), end: positionOf(text, 'src/missing.handler', 19) });
      const [cron] = byCode(diagnostics, 'cron');
      assert.deepEqual(cron.range, { start: positionOf(text, '"61'), end: positionOf(text, '"61 * * * *"', 12) });
      const duplicates = byCode(diagnostics, 'duplicate-route');
      assert.equal(duplicates.length, 2);
      assert.deepEqual(duplicates.map((diagnostic) => diagnostic.range.start), [positionOf(text, '/same'), positionOf(text, '/same', 0, 2)]);
      await client.close(uri);
    });

    it('reports a missing export and clears it when the handler file changes on disk', async function () {
      const text = validManifest.replace('src/thumbnail.handler', 'src/thumbnail.resize');
      const { folder, uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const [missing] = byCode(await client.diagnostics(uri, (list) => list.length > 0), 'handler-export');
      assert.ok(missing, 'a handler-export diagnostic');
      assert.deepEqual(missing.range.start, positionOf(text, 'src/thumbnail.resize'));

      const handlerFile = join(folder, 'src/thumbnail.ts');
      writeFileSync(handlerFile, `${thumbnailSource}\nexport const resize = handler;\n`);
      const since = client.publishedCount;
      await client.filesChanged([{ uri: pathToFileURL(handlerFile).href, type: FileChangeType.Changed }]);
      assert.deepEqual(await client.diagnostics(uri, () => true, since), []);
      await client.close(uri);
    });

    it('re-publishes on change, and clears diagnostics when the manifest is closed', async function () {
      const broken = validManifest.replace('memory: 512', 'memory: 1');
      const { uri } = project({ 'nimbus.yaml': broken, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, broken);
      await client.diagnostics(uri, (list) => byCode(list, 'schema').length === 1);
      let since = client.publishedCount;
      await client.change(uri, validManifest);
      assert.deepEqual(await client.diagnostics(uri, () => true, since), []);
      await client.change(uri, broken);
      await client.diagnostics(uri, (list) => list.length === 1);
      since = client.publishedCount;
      await client.close(uri);
      assert.deepEqual(await client.diagnostics(uri, () => true, since), []);
    });

    it('reports an undefined alias at the alias, replacing the previous version\'s diagnostics', async function () {
      const broken = validManifest.replace('memory: 512', 'memory: 1');
      const text = validManifest.replace('memory: 512', 'memory: *nosuch');
      const { uri } = project({ 'nimbus.yaml': broken, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, broken);
      await client.diagnostics(uri, (list) => byCode(list, 'schema').length === 1);
      const since = client.publishedCount;
      await client.change(uri, text);
      const diagnostics = await client.diagnostics(uri, () => true, since);
      assert.deepEqual(diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.severity, diagnostic.message]), [
        ['yaml', DiagnosticSeverity.Error, 'alias *nosuch is not defined; define it with &nosuch before using it'],
      ]);
      assert.deepEqual(diagnostics[0].range, { start: positionOf(text, '*nosuch'), end: positionOf(text, '*nosuch', 7) });
      await client.close(uri);
    });

    it('publishes why checking failed rather than leaving the previous diagnostics', async function () {
      const broken = validManifest.replace('memory: 512', 'memory: 1');
      const text = validManifest.replace('src/thumbnail.handler', 'src/loop.handler');
      const { folder, uri } = project({ 'nimbus.yaml': broken, 'src/thumbnail.ts': thumbnailSource });
      // A file that links to itself: reading it fails with ELOOP, which the handler check does not expect.
      symlinkSync(join(folder, 'src/loop.ts'), join(folder, 'src/loop.ts'));
      await client.open(uri, broken);
      await client.diagnostics(uri, (list) => byCode(list, 'schema').length === 1);
      const since = client.publishedCount;
      await client.change(uri, text);
      const diagnostics = await client.diagnostics(uri, () => true, since);
      assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
      assert.equal(diagnostics[0].code, 'check-failed');
      assert.equal(diagnostics[0].severity, DiagnosticSeverity.Error);
      assert.match(String(diagnostics[0].message), /^could not check this manifest: ELOOP/);
      await client.close(uri);
    });

    it('says a manifest is one YAML document, at the start of the second', async function () {
      const text = `${validManifest}---
functions:
  other:
    handler: src/thumbnail.handler
`;
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const [diagnostic, ...others] = await client.diagnostics(uri, (list) => list.length > 0);
      assert.deepEqual(others, []);
      assert.equal(diagnostic.message, 'nimbus.yaml must be a single YAML document, but a second one starts here; remove this --- and what follows, or merge the two into one');
      assert.deepEqual(diagnostic.range, { start: positionOf(text, '---'), end: positionOf(text, '---', 3) });
      await client.close(uri);
    });

    it('names a key given twice and underlines the repeated one', async function () {
      const text = validManifest.replace('    memory: 512\n', '    memory: 512\n    timeout: 3\n    memory: 256\n');
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const [diagnostic, ...others] = await client.diagnostics(uri, (list) => list.length > 0);
      assert.deepEqual(others, []);
      assert.equal(diagnostic.message, 'memory is given twice in functions.thumbnail (first on line 5); keep one');
      assert.deepEqual(diagnostic.range, { start: positionOf(text, 'memory', 0, 2), end: positionOf(text, 'memory', 6, 2) });
      await client.close(uri);
    });

    it('reports an unclosed string at its opening quote, not at the end of the file', async function () {
      const text = validManifest.replace('handler: src/thumbnail.handler', 'handler: "src/thumbnail.handler');
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const [diagnostic, ...others] = await client.diagnostics(uri, (list) => list.length > 0);
      assert.deepEqual(others, []);
      assert.equal(diagnostic.message, 'this string has no closing "; add " where it ends');
      assert.deepEqual(diagnostic.range, { start: positionOf(text, '"src'), end: positionOf(text, '"src/thumbnail.handler', 22) });
      await client.close(uri);
    });

    it('rejects a default export that a types-only file does not have', async function () {
      const text = validManifest.replace('src/thumbnail.handler', 'src/types.default');
      const { uri } = project({ 'nimbus.yaml': text, 'src/types.ts': readFileSync(join(__dirname, '../../examples/src/types.ts'), 'utf8') });
      await client.open(uri, text);
      const [missing] = byCode(await client.diagnostics(uri, (list) => list.length > 0), 'handler-export');
      assert.ok(missing, 'a handler-export diagnostic');
      assert.match(String(missing.message), /^'default' is not exported by src\/types\.ts .*; it exports nothing$/);
      await client.close(uri);
    });
    it('asks the client to watch handler source files', function () {
      const registration = client.registrations.find((item) => item.method === DidChangeWatchedFilesNotification.method);
      assert.ok(registration, 'a didChangeWatchedFiles registration');
      assert.match(JSON.stringify(registration.registerOptions), /\*\*\/\*\.\{ts/);
    });
  });

  describe('completion', function () {
    it('offers the keys of a function that are not there yet, in schema order', async function () {
      const text = validManifest.replace('    memory: 512\n', '    memory: 512\n    \n');
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const items = await client.completion(uri, positionOf(text, '    \n', 4));
      const labels = items.map((item) => item.label);
      assert.ok(labels.includes('timeout') && labels.includes('env') && labels.includes('runtime'), labels.join());
      assert.ok(!labels.includes('handler') && !labels.includes('memory'), 'present keys are not offered again');
      const ordered = [...items].sort((a, b) => a.sortText!.localeCompare(b.sortText!)).map((item) => item.label);
      assert.deepEqual(ordered, ['description', 'runtime', 'timeout', 'concurrency', 'instanceConcurrency', 'env', 'network']);
      const timeout = items.find((item) => item.label === 'timeout')!;
      assert.equal(timeout.kind, CompletionItemKind.Property);
      assert.match((timeout.documentation as MarkupContent).value, /seconds/);
      await client.close(uri);
    });

    it('offers the trigger types for a new list item, each with its snippet', async function () {
      const text = validManifest + '      - \n';
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const items = await client.completion(uri, positionOf(text, '      - \n', 8));
      assert.deepEqual(items.map((item) => item.label).sort(), ['http', 'queue', 'schedule', 'storage']);
      const http = items.find((item) => item.label === 'http')!;
      assert.match(http.textEdit!.newText, /^http: \{ method: \$\{1\|GET,POST/);
      await client.close(uri);
    });

    it('offers the keys of a trigger inside a flow mapping, as plain `key: ` text', async function () {
      const text = validManifest.replace('{ method: GET, path: /thumbs/{id} }', '{ method: GET,  }');
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const items = await client.completion(uri, positionOf(text, 'GET,  }', 5));
      assert.deepEqual(items.map((item) => item.label), ['path', 'auth']);
      assert.equal(items[0].textEdit!.newText, 'path: ');
      await client.close(uri);
    });

    it('offers enum values: HTTP methods, runtimes and storage events', async function () {
      const text = `defaults:
  runtime: no
functions:
  thumbnail:
    handler: src/thumbnail.handler
    triggers:
      - http: { method: P, path: /x }
      - storage: { bucket: uploads, events: [] }
`;
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const runtimes = await client.completion(uri, positionOf(text, 'runtime: no', 11));
      assert.deepEqual(runtimes.map((item) => item.label), ['node20', 'node22']);
      assert.deepEqual(runtimes[0].textEdit && 'range' in runtimes[0].textEdit ? runtimes[0].textEdit.range : undefined, {
        start: positionOf(text, 'no'),
        end: positionOf(text, 'no', 2),
      });
      const methods = await client.completion(uri, positionOf(text, 'method: P', 9));
      assert.ok(methods.some((item) => item.label === 'POST') && methods.some((item) => item.label === 'ANY'));
      const events = await client.completion(uri, positionOf(text, 'events: []', 9));
      assert.deepEqual(events.map((item) => item.label), ['created', 'deleted']);
      await client.close(uri);
    });

    it('offers handler files and the exports found in them', async function () {
      const text = validManifest.replace('handler: src/thumbnail.handler', 'handler: src/');
      const { uri } = project({
        'nimbus.yaml': text,
        'src/thumbnail.ts': thumbnailSource,
        'src/orders.cjs': 'exports.consume = async (event) => event.Records.length;\n',
        'node_modules/lib/index.js': 'export const ignored = 1;\n',
      });
      await client.open(uri, text);
      const items = await client.completion(uri, positionOf(text, 'handler: src/', 13));
      const labels = items.map((item) => item.label);
      for (const expected of ['src/thumbnail', 'src/thumbnail.handler', 'src/thumbnail.sizes', 'src/orders', 'src/orders.consume']) {
        assert.ok(labels.includes(expected), `${expected} in ${labels.join()}`);
      }
      assert.ok(!labels.some((label) => label.includes('node_modules')), 'node_modules is skipped');
      const handler = items.find((item) => item.label === 'src/thumbnail.handler')!;
      assert.equal(handler.kind, CompletionItemKind.Function);
      assert.equal(handler.textEdit!.newText, 'src/thumbnail.handler');
      await client.close(uri);
    });
    it('offers only what a handler file exports at run time: nothing for types, no default for CommonJS', async function () {
      const text = validManifest.replace('handler: src/thumbnail.handler', 'handler: src/');
      const { uri } = project({
        'nimbus.yaml': text,
        'src/types.ts': readFileSync(join(__dirname, '../../examples/src/types.ts'), 'utf8'),
        'src/orders.js': 'exports.consume = async (event) => event.Records.length;\n',
      });
      await client.open(uri, text);
      const labels = (await client.completion(uri, positionOf(text, 'handler: src/', 13))).map((item) => item.label);
      assert.ok(labels.includes('src/types') && labels.includes('src/orders.consume'), labels.join());
      assert.deepEqual(labels.filter((label) => label.startsWith('src/types.') || label === 'src/orders.default'), []);
      await client.close(uri);
    });
  });

  describe('hover', function () {
    it('shows the schema docs of a key', async function () {
      const { uri } = project({ 'nimbus.yaml': validManifest, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, validManifest);
      const hover = await client.hover(uri, positionOf(validManifest, 'memory', 2));
      assert.match((hover!.contents as MarkupContent).value, /Memory \(MB\).*\n\n.*MB/s);
      await client.close(uri);
    });

    it('describes a valid cron and lists its next 5 fire times', async function () {
      const { uri } = project({ 'nimbus.yaml': validManifest, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, validManifest);
      const hover = await client.hover(uri, positionOf(validManifest, '*/5', 1));
      const text = (hover!.contents as MarkupContent).value;
      assert.match(text, /Every 5 minutes/);
      const times = [...text.matchAll(/^- (\d{4}-\d\d-\d\d \d\d:(\d\d):00)$/gm)];
      assert.equal(times.length, 5);
      for (const [, , minute] of times) assert.equal(Number(minute) % 5, 0);
      await client.close(uri);
    });

    it('shows the resolved file of a handler', async function () {
      const { folder, uri } = project({ 'nimbus.yaml': validManifest, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, validManifest);
      const hover = await client.hover(uri, positionOf(validManifest, 'src/thumbnail.handler', 3));
      const text = (hover!.contents as MarkupContent).value;
      assert.ok(text.includes(join(folder, 'src/thumbnail.ts')), text);
      assert.match(text, /export `handler`/);
      await client.close(uri);
    });
  });

  describe('go to definition', function () {
    it('goes from handler: to the declaration of the export', async function () {
      const { folder, uri } = project({ 'nimbus.yaml': validManifest, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, validManifest);
      const result = (await client.definition(uri, positionOf(validManifest, 'thumbnail.handler', 12))) as Location[];
      assert.equal(result.length, 1);
      assert.equal(result[0].uri, pathToFileURL(join(folder, 'src/thumbnail.ts')).href);
      assert.deepEqual(result[0].range, {
        start: positionOf(thumbnailSource, 'handler('),
        end: positionOf(thumbnailSource, 'handler(', 7),
      });
      await client.close(uri);
    });
  });

  describe('outline', function () {
    it('lists the functions with their handler and triggers, also while the manifest has errors', async function () {
      const text = validManifest.replace('memory: 512', 'memory: 5');
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const symbols = await client.symbols(uri);
      const outline = (list: DocumentSymbol[] | undefined): unknown[] =>
        (list ?? []).map((entry) => (entry.children ? [entry.name, entry.detail ?? null, outline(entry.children)] : [entry.name, entry.detail ?? null]));
      assert.deepEqual(outline(symbols), [
        ['service', 'photos'],
        ['functions', null, [['thumbnail', 'src/thumbnail.handler', [['http GET /thumbs/{id}', null], ['schedule */5 * * * *', null]]]]],
      ]);
      const thumbnail = symbols[1]!.children![0]!;
      assert.deepEqual(thumbnail.selectionRange, { start: positionOf(text, 'thumbnail:'), end: positionOf(text, 'thumbnail:', 'thumbnail'.length) });
      assert.deepEqual(thumbnail.children![0]!.selectionRange.start, positionOf(text, 'http:'));
      await client.close(uri);
    });
  });

  describe('code actions', function () {
    it('offers to create a missing handler file with a template that exports the handler', async function () {
      const text = validManifest.replace('src/thumbnail.handler', 'src/resize.run');
      const { folder, uri } = project({ 'nimbus.yaml': text, 'tsconfig.json': '{}' });
      await client.open(uri, text);
      const diagnostics = byCode(await client.diagnostics(uri, (list) => list.length > 0), 'handler-file');
      const actions = (await client.codeActions(uri, diagnostics)) as CodeAction[];
      assert.equal(actions.length, 1);
      assert.equal(actions[0].title, 'Create handler src/resize.ts with export `run`');
      assert.equal(actions[0].kind, 'quickfix');
      const [create, insert] = actions[0].edit!.documentChanges! as [CreateFile, TextDocumentEdit];
      const fileUri = pathToFileURL(join(folder, 'src/resize.ts')).href;
      assert.deepEqual(create, { kind: 'create', uri: fileUri, options: { ignoreIfExists: true } });
      assert.equal(insert.textDocument.uri, fileUri);
      assert.match((insert.edits[0] as TextEdit).newText, /export async function run\(event: unknown, context: \{ awsRequestId: string \}\)/);
      await client.close(uri);
    });

    it('offers to add a missing export at the end of the handler file', async function () {
      const text = validManifest.replace('src/thumbnail.handler', 'src/thumbnail.resize');
      const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
      await client.open(uri, text);
      const diagnostics = byCode(await client.diagnostics(uri, (list) => list.length > 0), 'handler-export');
      const actions = (await client.codeActions(uri, diagnostics)) as CodeAction[];
      assert.deepEqual(actions.map((action) => action.title), ['Add export `resize`']);
      const [edit] = actions[0].edit!.documentChanges! as TextDocumentEdit[];
      const lines = thumbnailSource.split('\n').length - 1;
      assert.deepEqual(edit.edits[0].range.start, { line: lines, character: 0 });
      assert.match((edit.edits[0] as TextEdit).newText, /^\nexport async function resize\(/);
      await client.close(uri);
    });

    it('offers the export a mistyped name was close to, before adding one', async function () {
      for (const written of ['src/thumbnail.handlr', '"src/thumbnail.Handler"']) {
        const text = validManifest.replace('src/thumbnail.handler', written);
        const { uri } = project({ 'nimbus.yaml': text, 'src/thumbnail.ts': thumbnailSource });
        await client.open(uri, text);
        const diagnostics = byCode(await client.diagnostics(uri, (list) => list.length > 0), 'handler-export');
        const actions = (await client.codeActions(uri, diagnostics)) as CodeAction[];
        assert.deepEqual(actions.map((action) => [action.title, action.isPreferred]), [
          ['Change to `handler` (exported by src/thumbnail)', true],
          [`Add export \`${written.replace(/"/g, '').split('.')[1]}\``, false],
        ]);
        const [change] = actions[0].edit!.changes![uri]!;
        const typed = written.replace(/"/g, '').split('.')[1]!;
        assert.deepEqual(change, { range: { start: positionOf(text, typed), end: positionOf(text, typed, typed.length) }, newText: 'handler' });
        await client.close(uri);
      }
    });
  });

  describe('transports', function () {
    it('also speaks LSP over node-ipc', async function () {
      const child = fork(serverBundle, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const exited = once(child, 'exit');
      const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
      connection.listen();
      try {
        const result = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
        assert.equal(result.serverInfo?.name, 'nimbus-language-server');
        assert.equal(result.capabilities.hoverProvider, true);
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
        await exited;
      } finally {
        connection.dispose();
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });

    it('says how to start it when no transport is given', function () {
      const result = spawnSync(process.execPath, [serverBundle], { encoding: 'utf8', timeout: 10000 });
      assert.equal(result.status, 2);
      assert.match(result.stderr, /--stdio/);
    });
  });
});
