// Backend tests: `kill -9` of a real backend process during deploys and during invocations, then a restart on the same
// data dir — the old or the new version serves (never a broken one) and every acknowledged log line is there.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BackendClient } from '../../src/client';
import { createDataDir, createProject, helloSource, testSandbox, testToken, type TestProject } from './helpers';

const repositoryRoot = resolve(__dirname, '..', '..');

interface BackendProcess {
  url: string;
  client: BackendClient;
  child: ChildProcess;
}

describe('backend crash safety (kill -9 of a backend process)', function () {
  this.timeout(60_000);
  const children = new Set<ChildProcess>();
  let project: TestProject;
  let dataDir: string;

  async function spawnBackend(): Promise<BackendProcess> {
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', join('src', 'backend', 'main.ts'), '--port', '0', '--data', dataDir, '--sandbox', testSandbox],
      { cwd: repositoryRoot, env: { ...process.env, NIMBUS_TOKEN: testToken }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.add(child);
    child.once('exit', () => children.delete(child));
    let stderr = '';
    const url = await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`backend did not start in 20 s:\n${stderr}`)), 20_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolvePromise(match[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`backend exited with ${code}:\n${stderr}`));
      });
    });
    return { url, child, client: new BackendClient({ url, token: testToken, retries: 0, timeoutMs: 10_000 }) };
  }

  async function killHard(backend: BackendProcess): Promise<void> {
    if (backend.child.exitCode !== null || backend.child.signalCode !== null) return;
    const exited = new Promise((resolvePromise) => backend.child.once('exit', resolvePromise));
    backend.child.kill('SIGKILL');
    await exited;
  }

  before(async () => {
    project = await createProject();
    dataDir = await createDataDir();
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await project?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the old or the new version, whole, after kill -9 during deploys', async () => {
    let backend = await spawnBackend();
    const first = await project.artifact('hello');
    await backend.client.deploy('hello', first.tarball, first.sha256);
    const greetings = new Map<string, string>([[first.sha256, 'hello']]);
    const artifacts = [];
    for (const greeting of ['second', 'third', 'fourth']) {
      await project.write('src/hello.ts', helloSource(greeting));
      const artifact = await project.artifact('hello');
      greetings.set(artifact.sha256, greeting);
      artifacts.push(artifact);
    }
    for (const [round, delayMs] of [0, 5, 25].entries()) {
      const uploads = artifacts.map((artifact) => backend.client.deploy('hello', artifact.tarball, artifact.sha256).catch(() => undefined));
      await new Promise((resolvePromise) => setTimeout(resolvePromise, delayMs));
      await killHard(backend);
      await Promise.all(uploads);
      backend = await spawnBackend();
      const detail = await backend.client.getFunction('hello');
      const active = detail.versions.find((version) => version.active)!;
      const expected = greetings.get(active.sha256);
      assert.ok(expected, `round ${round}: the active version ${active.version} has unknown content`);
      const response = await fetch(`${backend.url}/fn/hello/r${round}`);
      assert.equal(response.status, 200, `round ${round}: version ${active.version} does not serve`);
      assert.equal(await response.text(), `${expected} r${round}`);
      assert.deepEqual(await readdir(join(dataDir, 'staging')), [], 'interrupted deploys left staging files');
    }
    await killHard(backend);
    await project.write('src/hello.ts', helloSource('hello'));
  });

  it('keeps every acknowledged invocation log after kill -9 during invocations', async () => {
    let backend = await spawnBackend();
    const artifact = await project.artifact('hello');
    await backend.client.deploy('hello', artifact.tarball, artifact.sha256);
    const acknowledged: string[] = [];
    const calls = Array.from({ length: 40 }, (_, index) =>
      backend.client.invoke('hello', { name: `call-${index}` }).then(
        (response) => {
          acknowledged.push(response.requestId);
        },
        () => undefined,
      ),
    );
    // Kill once some have been answered and others are still running.
    const deadline = Date.now() + 15_000;
    while (acknowledged.length < 5 && Date.now() < deadline) await new Promise((resolvePromise) => setTimeout(resolvePromise, 5));
    await killHard(backend);
    await Promise.all(calls);
    assert.ok(acknowledged.length >= 5, `only ${acknowledged.length} invocations were answered before the kill`);

    backend = await spawnBackend();
    const page = await backend.client.logs('hello', { limit: 1000 });
    const stored = new Set(page.lines.map((line) => line.requestId));
    const missing = acknowledged.filter((requestId) => !stored.has(requestId));
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged invocations lost their logs`);
    const after = await backend.client.invoke('hello', { name: 'after' });
    assert.equal((after.result as { body: string }).body, 'hello after');
    await killHard(backend);
  });
});
