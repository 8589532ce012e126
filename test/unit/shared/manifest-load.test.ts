// Unit tests of loading nimbus.yaml from disk: handler files and exports, errors a user can act on, finding the manifest.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isNimbusError, NimbusError } from '../../../src/shared/errors';
import { findManifest, functionByName, loadManifest, type ManifestDiagnostic } from '../../../src/shared/manifest';

const fixture = path.resolve(__dirname, '../../fixtures/manifests/photo-app/nimbus.yaml');

describe('manifest loading', () => {
  let project: string;

  beforeEach(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'nimbus-manifest-'));
  });

  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
  });

  async function write(files: Record<string, string>): Promise<string> {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(project, name)), { recursive: true });
      await writeFile(path.join(project, name), content);
    }
    return path.join(project, 'nimbus.yaml');
  }

  async function loadError(manifestPath: string): Promise<NimbusError> {
    try {
      await loadManifest(manifestPath);
    } catch (error) {
      assert.ok(isNimbusError(error), String(error));
      return error;
    }
    assert.fail('loadManifest should have thrown');
  }

  it('loads the sample project and resolves handler files with their extension', async () => {
    const manifest = await loadManifest(fixture);
    const folder = path.dirname(fixture);
    assert.equal(functionByName(manifest, 'thumbnail').handlerFile, path.join(folder, 'src/thumbnail.ts'));
    assert.equal(functionByName(manifest, 'api').handlerFile, path.join(folder, 'src/api.mjs'));
  });

  it('resolves index files of a folder and a .js spelling of a .ts file', async () => {
    const manifestPath = await write({
      'nimbus.yaml': 'functions:\n  a:\n    handler: src/orders.handler\n  b:\n    handler: lib/util.js.run\n',
      'src/orders/index.ts': 'export const handler = async () => 1;\n',
      'lib/util.ts': 'export function run(): number { return 1; }\n',
    });
    const manifest = await loadManifest(manifestPath);
    assert.equal(manifest.functions[0].handlerFile, path.join(project, 'src/orders/index.ts'));
    assert.equal(manifest.functions[1].handlerFile, path.join(project, 'lib/util.ts'));
    assert.equal(manifest.service, path.basename(project));
  });

  it('reports a missing handler file at the handler value, listing the paths it tried', async () => {
    const manifestPath = await write({ 'nimbus.yaml': 'functions:\n  thumbnail:\n    handler: src/missing.handler\n' });
    const error = await loadError(manifestPath);
    assert.equal(error.code, 'MANIFEST_INVALID');
    const [diagnostic] = error.details as ManifestDiagnostic[];
    assert.equal(diagnostic.code, 'handler-file');
    assert.deepEqual(diagnostic.range.start, { line: 3, column: 14 });
    assert.match(error.message, /^.*nimbus\.yaml:3:14: handler file for 'src\/missing\.handler' of function 'thumbnail' not found; tried src\/missing\.ts, src\/missing\.mts, .*src\/missing\/index\.cjs/);
  });

  it('reports a missing export, listing the exports that exist', async () => {
    const manifestPath = await write({
      'nimbus.yaml': 'functions:\n  a:\n    handler: src/a.handler\n',
      'src/a.js': 'exports.main = async () => 1;\nexports.other = 2;\n',
    });
    const error = await loadError(manifestPath);
    const [diagnostic] = error.details as ManifestDiagnostic[];
    assert.equal(diagnostic.code, 'handler-export');
    assert.equal(diagnostic.message, "'handler' is not exported by src/a.js (handler of function 'a'); it exports main, other");
  });

  it('accepts a default export for a handler named fetch', async () => {
    const manifestPath = await write({
      'nimbus.yaml': 'functions:\n  web:\n    handler: app.fetch\n',
      'app.ts': 'export default { fetch: (request: Request) => new Response("ok") };\n',
    });
    const manifest = await loadManifest(manifestPath);
    assert.equal(manifest.functions[0].handlerExport, 'fetch');
  });

  it('follows export * to find a handler and warns only when a re-export cannot be followed', async () => {
    const manifestPath = await write({
      'nimbus.yaml': 'functions:\n  a:\n    handler: src/a.handler\n  b:\n    handler: src/b.handler\n',
      'src/a.ts': "export * from './impl';\n",
      'src/impl.ts': 'export async function handler() { return 1; }\n',
      'src/b.mjs': "export * from 'some-package';\n",
    });
    const manifest = await loadManifest(manifestPath);
    assert.equal(manifest.functions.length, 2);
  });

  it('collects every error into one MANIFEST_INVALID message, one file:line:col per line', async () => {
    const manifestPath = await write({
      'nimbus.yaml': 'functions:\n  a:\n    handler: src/a.handler\n    memory: 99999\n    timeout: 901\n',
    });
    const error = await loadError(manifestPath);
    assert.deepEqual(error.message.split('\n'), [
      `${manifestPath}:4:13: functions.a.memory: 99999 is above the maximum 10240 MB`,
      `${manifestPath}:5:14: functions.a.timeout: 901 is above the maximum 900 seconds`,
    ]);
  });

  it('says to run nimbus init when the manifest is missing', async () => {
    const error = await loadError(path.join(project, 'nimbus.yaml'));
    assert.equal(error.code, 'MANIFEST_NOT_FOUND');
    assert.match(error.message, /Run `nimbus init`/);
  });

  it('finds nimbus.yaml in a parent folder', async () => {
    const manifestPath = await write({ 'nimbus.yaml': 'functions: {}\n', 'src/deep/er/file.ts': '' });
    assert.equal(await findManifest(path.join(project, 'src/deep/er')), manifestPath);
    assert.equal(await findManifest(path.parse(project).root), undefined);
  });

  it('names the functions that exist when a function is not found', async () => {
    const manifest = await loadManifest(fixture);
    assert.throws(() => functionByName(manifest, 'thumb'), (error: unknown) =>
      isNimbusError(error) && error.code === 'FUNCTION_NOT_FOUND' && /it has thumbnail, api/.test(error.message));
  });
});
