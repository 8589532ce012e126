// Executor: bundling — one cached CommonJS file with a source map, rebuilt only when an input changes.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createExecutor, type Executor } from '../../../src/executor/index';
import { NimbusError } from '../../../src/shared/errors';
import { ensureHarness, fixtureFunction, temporaryFolder } from './support';

describe('executor: bundling', () => {
  const project = temporaryFolder('bundle-project');
  const cache = temporaryFolder('bundle-cache');
  let executor: Executor;
  const handlerFile = join(project.path, 'src/handler.ts');
  const helperFile = join(project.path, 'src/helper.ts');
  const fn = fixtureFunction('ts-handler.ts', { name: 'bundled', handlerFile });

  before(async () => {
    await ensureHarness();
    mkdirSync(join(project.path, 'src'));
    writeFileSync(join(project.path, 'package.json'), '{ "name": "bundle-project" }');
    writeFileSync(helperFile, "export const word: string = 'one';\n");
    writeFileSync(handlerFile, "import { word } from './helper';\nexport const handler = async () => word;\n");
    executor = createExecutor({ cacheDir: cache.path });
  });
  after(async () => {
    await executor.dispose();
    project.remove();
    cache.remove();
  });

  it('writes one CommonJS file whose source map points at the absolute sources', async () => {
    const bundle = await executor.bundle(fn);
    assert.ok(bundle.file.startsWith(join(cache.path, 'bundled')));
    assert.deepEqual(bundle.inputs.sort(), [handlerFile, helperFile].sort());
    const map = JSON.parse(readFileSync(bundle.sourceMapFile, 'utf8')) as { sources: string[]; sourcesContent: string[] };
    assert.deepEqual(map.sources.sort(), [handlerFile, helperFile].sort());
    assert.equal(map.sourcesContent.length, 2);
    assert.match(readFileSync(bundle.file, 'utf8'), /module\.exports = __toCommonJS/);
  });

  it('reuses the bundle while inputs are unchanged, even when a file is only touched', async () => {
    const first = await executor.bundle(fn);
    const writtenAt = statSync(first.file).mtimeMs;
    const later = new Date(Date.now() + 5000);
    utimesSync(helperFile, later, later);
    const second = await executor.bundle(fn);
    assert.equal(second.file, first.file);
    assert.equal(statSync(second.file).mtimeMs, writtenAt);
  });

  it('rebuilds when an input changes, and a new instance runs the new code', async () => {
    assert.equal((await executor.invoke(fn, {})).result, 'one');
    const before = await executor.bundle(fn);
    writeFileSync(helperFile, "export const word: string = 'two';\n");
    const after = await executor.bundle(fn);
    assert.notEqual(after.file, before.file);
    await executor.invalidate('bundled');
    const outcome = await executor.invoke(fn, {});
    assert.equal(outcome.coldStart, true);
    assert.equal(outcome.result, 'two');
  });

  it('reuses the cache across executors (a new CLI process)', async () => {
    const first = await executor.bundle(fn);
    const other = createExecutor({ cacheDir: cache.path });
    try {
      assert.equal((await other.bundle(fn)).file, first.file);
    } finally {
      await other.dispose();
    }
  });

  it('runs a prebuilt bundle copied elsewhere (as the backend deploys it) without bundling', async () => {
    const bundle = await executor.bundle(fn);
    const deployed = join(project.path, 'deployed');
    mkdirSync(deployed);
    copyFileSync(bundle.file, join(deployed, 'index.js'));
    copyFileSync(bundle.sourceMapFile, join(deployed, 'index.js.map'));
    const prebuilt = { ...fn, name: 'prebuilt', handlerFile: join(project.path, 'gone.ts'), prebuiltBundle: join(deployed, 'index.js') };
    assert.deepEqual(await executor.bundle(prebuilt), { file: prebuilt.prebuiltBundle, sourceMapFile: `${prebuilt.prebuiltBundle}.map`, inputs: [] });
    const outcome = await executor.invoke(prebuilt, {});
    assert.equal(outcome.error, undefined);
    assert.equal(typeof outcome.result, 'string');
  });

  it('fails with BUILD_FAILED naming file:line:column', async () => {
    const broken = join(project.path, 'src/broken.ts');
    writeFileSync(broken, 'export const handler = async () => {\n  return (;\n};\n');
    await assert.rejects(executor.bundle({ ...fn, name: 'broken', handlerFile: broken }), (error: unknown) => {
      assert.ok(error instanceof NimbusError);
      assert.equal(error.code, 'BUILD_FAILED');
      assert.match(error.message, /^src\/broken\.ts:2:11: /);
      return true;
    });
  });

  it('fails every queued invocation of a function whose build is broken', async () => {
    const broken = join(project.path, 'src/broken-queue.ts');
    writeFileSync(broken, 'export const handler = ;\n');
    const brokenFunction = { ...fn, name: 'broken-queue', handlerFile: broken, concurrency: 1 };
    const outcomes = await Promise.allSettled([executor.invoke(brokenFunction, {}), executor.invoke(brokenFunction, {})]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as NimbusError).code),
      ['BUILD_FAILED', 'BUILD_FAILED'],
    );
  });

  it("bundles with another executor's bundler when given one (a build it started runs once), also for debug instances", async () => {
    const sharedCache = temporaryFolder('bundle-shared-cache');
    const bundled: string[] = [];
    const sharing = createExecutor({
      cacheDir: sharedCache.path,
      bundle: (shared) => {
        bundled.push(shared.name);
        return executor.bundle(shared);
      },
    });
    try {
      const [first, second] = await Promise.all([sharing.bundle(fn), executor.bundle(fn)]);
      assert.deepEqual(first, second);
      assert.ok(first.file.startsWith(cache.path), 'the bundle lives in the sharing executor\'s cache');
      assert.deepEqual(readdirSync(sharedCache.path), [], 'nothing is built into the own cache');
      const outcome = await sharing.invoke(fn, {});
      assert.equal(outcome.error, undefined);
      const instance = await sharing.startDebugInstance(fn);
      await instance.dispose();
      assert.deepEqual(bundled, [fn.name, fn.name, fn.name]);
    } finally {
      await sharing.dispose();
      sharedCache.remove();
    }
  });
});
