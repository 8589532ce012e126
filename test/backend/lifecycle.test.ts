// Backend tests: what survives a restart, the generated token, and the graceful shutdown that drains invocations.

import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendClient } from '../../src/client';
import { RecordingLogger } from '../../src/shared/logger';
import { startBackend } from '../../src/backend/server';
import { createDataDir, createProject, startTestBackend, testSandbox, testToken, waitFor, type TestProject } from './helpers';

describe('backend lifecycle', function () {
  this.timeout(30_000);
  let project: TestProject;
  const dataDirs: string[] = [];

  before(async () => {
    project = await createProject();
  });

  after(async () => {
    await project?.dispose();
    for (const dataDir of dataDirs) await rm(dataDir, { recursive: true, force: true });
  });

  async function dataDir(): Promise<string> {
    const created = await createDataDir();
    dataDirs.push(created);
    return created;
  }

  it('keeps functions, versions, logs, metrics and objects across a restart', async () => {
    const directory = await dataDir();
    let { backend, client } = await startTestBackend(directory);
    for (const name of ['hello', 'orders']) {
      const artifact = await project.artifact(name);
      await client.deploy(name, artifact.tarball, artifact.sha256);
    }
    const invoked = await client.invoke('hello', { name: 'before' });
    await client.putObject('photos', 'docs/kept.txt', 'kept');
    await backend.close();

    ({ backend, client } = await startTestBackend(directory));
    try {
      assert.deepEqual((await client.listFunctions()).map((fn) => fn.name), ['hello', 'orders']);
      const logs = await client.logs('hello');
      assert.ok(logs.lines.some((line) => line.requestId === invoked.requestId && line.message === 'greeting before'));
      assert.equal((await client.metrics('hello')).invocations, 1);
      assert.equal((await client.getObject('photos', 'docs/kept.txt')).toString(), 'kept');
      assert.equal(await (await fetch(`${backend.url}/fn/hello/after`)).text(), 'hello after');
    } finally {
      await backend.close();
    }
  });

  it('copies committed invocations from the WAL into the database file while it runs (checkpoints off the event loop)', async () => {
    const directory = await dataDir();
    const { backend, client } = await startTestBackend(directory);
    try {
      const artifact = await project.artifact('hello');
      await client.deploy('hello', artifact.tarball, artifact.sha256);
      // Automatic checkpoints are off on the backend's connection: only the worker's copy can grow the database file.
      await waitFor('the deploy to reach the database file', async () => ((await stat(join(directory, 'metadata.db'))).size > 0 ? true : undefined));
      const before = (await stat(join(directory, 'metadata.db'))).size;
      for (let batch = 0; batch < 25; batch++) {
        await Promise.all(Array.from({ length: 8 }, (_, index) => client.invoke('hello', { name: `n${batch}-${index}-${'x'.repeat(200)}` })));
      }
      const after = await waitFor('a checkpoint to copy the invocations into metadata.db', async () => {
        const size = (await stat(join(directory, 'metadata.db'))).size;
        return size > before ? size : undefined;
      });
      assert.ok(after > before);
      assert.equal((await client.metrics('hello')).invocations, 200);
    } finally {
      await backend.close();
    }
  });

  it('writes structured logs through the Logger seam, with request ids', async () => {
    const logger = new RecordingLogger();
    const { backend, client } = await startTestBackend(await dataDir(), { logger });
    try {
      const artifact = await project.artifact('secret');
      await client.deploy('secret', artifact.tarball, artifact.sha256);
      const deployed = logger.entries.find((entry) => entry.message === 'deployed');
      assert.equal(deployed?.level, 'info');
      assert.equal(deployed?.fields?.function, 'secret');
      assert.equal(deployed?.fields?.version, 1);
      const request = logger.entries.find((entry) => entry.message === 'request' && entry.fields?.method === 'PUT');
      assert.equal(request?.fields?.requestId, deployed?.fields?.requestId);
      assert.equal(request?.fields?.status, 201);
    } finally {
      await backend.close();
    }
  });

  it('generates a token on first start, keeps only its hash in the store and a 0600 copy for local tools', async () => {
    const directory = await dataDir();
    const first = await startBackend({ dataDir: directory, port: 0, sandbox: testSandbox });
    try {
      assert.ok(first.generatedToken && first.generatedToken.length >= 32);
      const file = join(directory, 'token');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await readFile(file, 'utf8')).trim(), first.generatedToken);
      const database = await readFile(join(directory, 'metadata.db'));
      assert.ok(!database.includes(first.generatedToken), 'the token is stored in clear text');
      const client = new BackendClient({ url: first.url, token: first.generatedToken, retries: 0 });
      assert.deepEqual(await client.listFunctions(), []);
    } finally {
      await first.close();
    }
    const second = await startBackend({ dataDir: directory, port: 0, sandbox: testSandbox });
    try {
      assert.equal(second.generatedToken, undefined, 'the token was printed a second time');
      const token = (await readFile(join(directory, 'token'), 'utf8')).trim();
      assert.equal((await fetch(`${second.url}/api/v1/functions`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    } finally {
      await second.close();
    }
  });

  it('lets a burst wait in a bounded queue before it throttles', async () => {
    const directory = await dataDir();
    const { backend, client } = await startTestBackend(directory, { maxQueuedPerFunction: 1 });
    try {
      const artifact = await project.artifact('slow');
      await client.deploy('slow', artifact.tarball, artifact.sha256);
      const running = client.invoke('slow', { ms: 600 });
      await waitFor('the first invocation to hold the only instance', () =>
        backend.executorStats().find((stats) => stats.functionName === 'slow' && stats.busy === 1) ? true : undefined,
      );
      const queued = client.invoke('slow', { ms: 1 });
      await waitFor('the second invocation to wait', () =>
        backend.executorStats().find((stats) => stats.functionName === 'slow' && stats.queued === 1) ? true : undefined,
      );
      const refused = await fetch(`${backend.url}/api/v1/functions/slow/invoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testToken}`, 'content-type': 'application/json' },
        body: '{"ms":1}',
      });
      await refused.arrayBuffer();
      assert.equal(refused.status, 429);
      assert.deepEqual((await running).result, { slept: 600 });
      assert.deepEqual((await queued).result, { slept: 1 });
    } finally {
      await backend.close();
    }
  });

  it('drains an in-flight invocation before it stops', async () => {
    const directory = await dataDir();
    const { backend, client } = await startTestBackend(directory);
    const artifact = await project.artifact('slow');
    await client.deploy('slow', artifact.tarball, artifact.sha256);
    const running = client.invoke('slow', { ms: 800 });
    await waitFor('the invocation to start', async () => {
      const probe = await fetch(`${backend.url}/api/v1/functions/slow/invoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testToken}`, 'content-type': 'application/json' },
        body: '{"ms":1}',
      });
      await probe.arrayBuffer();
      return probe.status === 429 ? true : undefined;
    });
    const closed = backend.close();
    assert.deepEqual((await running).result, { slept: 800 });
    await closed;
    await assert.rejects(fetch(`${backend.url}/healthz`));
  });
});
