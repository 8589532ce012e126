// Backend tests: a real project on disk, a real backend on 127.0.0.1 port 0 in a temp data dir, and bounded waits.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createExecutor } from '../../src/executor';
import type { Executor } from '../../src/executor/api';
import { loadManifest, functionByName } from '../../src/shared/manifest';
import type { Manifest } from '../../src/shared/manifest/model';
import { BackendClient, packageFunction, type DeployArtifact } from '../../src/client';
import { startBackend, type BackendOptions, type RunningBackend } from '../../src/backend/server';

export const testToken = 'test-token-0123456789';

/** Backends under test run functions in the same sandbox users get. */
export const testSandbox = 'strict' as const;

/**
 * Every trigger type, plus a slow single-instance function for saturation, one whose instance serves three at once,
 * a web-standard one, and one that answers HTTP with a status that does not exist, with no body, or runs past its
 * timeout.
 */
export const manifestText = `
service: backend-test
defaults: { memory: 128, timeout: 10 }
functions:
  hello:
    handler: src/hello.handler
    triggers:
      - http: { method: GET, path: /hello/{name} }
      - http: { method: POST, path: /echo }
  secret:
    handler: src/secret.handler
    triggers:
      - http: { method: GET, path: /secret, auth: token }
  uploads:
    handler: src/uploads.handler
    triggers:
      - storage: { bucket: photos, events: [created, deleted], prefix: img/ }
  orders:
    handler: src/orders.handler
    triggers:
      - queue: { topic: orders, batchSize: 5, maxRetries: 1 }
  tick:
    handler: src/tick.handler
    triggers:
      - schedule: { cron: "* * * * * *" }
  slow:
    handler: src/slow.handler
    concurrency: 1
  shared:
    handler: src/slow.handler
    concurrency: 1
    instanceConcurrency: 3
  web:
    handler: src/web.fetch
    triggers:
      - http: { method: GET, path: /web/{rest+} }
  badresult:
    handler: src/badresult.handler
    timeout: 1
    triggers:
      - http: { method: GET, path: /bad/{kind} }
`;

export function helloSource(greeting: string): string {
  return `
export const handler = async (event: { pathParameters?: { name?: string }; rawPath?: string; body?: string; name?: string }) => {
  const name: string = event.pathParameters?.name ?? event.name ?? 'world';
  console.log('greeting ' + name);
  if (event.rawPath === '/echo') return { statusCode: 201, headers: { 'x-echo': 'yes' }, body: event.body ?? '' };
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: '${greeting} ' + name };
};
`;
}

const sources: Record<string, string> = {
  'src/hello.ts': helloSource('hello'),
  'src/secret.ts': `export const handler = async () => ({ statusCode: 200, body: 'secret ok' });\n`,
  'src/uploads.ts': `
export const handler = async (event: { Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string; size: number } } }[] }) => {
  for (const record of event.Records) console.log('storage ' + record.eventName + ' ' + record.s3.bucket.name + '/' + record.s3.object.key + ' ' + record.s3.object.size);
};
`,
  'src/orders.ts': `
export const handler = async (event: { Records: { body: string; messageId: string; attributes: { SentTimestamp: string } }[] }) => {
  for (const record of event.Records) {
    if (record.body.includes('poison')) throw new Error('cannot process ' + record.body + ' sent at ' + record.attributes.SentTimestamp);
    console.log('order ' + record.body);
  }
};
`,
  'src/tick.ts': `
export const handler = async (event: { source: string; 'detail-type': string }) => { console.log('tick ' + event.source + ' ' + event['detail-type']); };
`,
  'src/web.ts': `
export const fetch = async (request: Request) => new Response(request.url, { headers: { 'content-type': 'text/plain' } });
`,
  'src/badresult.ts': `
export const handler = async (event: { pathParameters?: { kind?: string } }) => {
  const kind = event.pathParameters?.kind;
  if (kind === 'status') return { statusCode: 999, body: 'no such status' };
  if (kind === 'empty') return { statusCode: 200, cookies: ['session=1; Path=/'] };
  if (kind === 'slow') await new Promise((resolve) => setTimeout(resolve, 3000));
  return { statusCode: 200, body: 'fine' };
};
`,
  'src/slow.ts': `
export const handler = async (event: { ms?: number }) => {
  await new Promise((resolve) => setTimeout(resolve, event.ms ?? 500));
  return { slept: event.ms ?? 500 };
};
`,
};

export interface TestProject {
  root: string;
  manifest: Manifest;
  executor: Executor;
  /** Rewrites a source file and re-reads the manifest. */
  write(file: string, text: string): Promise<void>;
  artifact(name: string): Promise<DeployArtifact>;
  dispose(): Promise<void>;
}

export async function createProject(): Promise<TestProject> {
  const root = await mkdtemp(join(tmpdir(), 'nimbus-backend-project-'));
  await writeFile(join(root, 'nimbus.yaml'), manifestText);
  for (const [file, text] of Object.entries(sources)) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), text);
  }
  const executor = createExecutor({ cacheDir: join(root, '.nimbus', 'cache') });
  const project: TestProject = {
    root,
    manifest: await loadManifest(join(root, 'nimbus.yaml')),
    executor,
    async write(file, text) {
      await writeFile(join(root, file), text);
      project.manifest = await loadManifest(join(root, 'nimbus.yaml'));
    },
    artifact: (name) => packageFunction(project.manifest, functionByName(project.manifest, name), executor),
    async dispose() {
      await executor.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
  return project;
}

export async function createDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nimbus-backend-data-'));
}

export async function startTestBackend(dataDir: string, options: BackendOptions = {}): Promise<{ backend: RunningBackend; client: BackendClient }> {
  const backend = await startBackend({
    dataDir,
    port: 0,
    token: testToken,
    idleTimeoutMs: 5_000,
    sandbox: testSandbox,
    queue: { retryBaseMs: 50, retryMaxMs: 200 },
    // Throttling tests want a refusal as soon as every instance is busy.
    maxQueuedPerFunction: 0,
    ...options,
  });
  return { backend, client: new BackendClient({ url: backend.url, token: testToken, retries: 0, timeoutMs: 15_000 }) };
}

/** A project, a data dir and a backend serving from it, shared by the tests of one describe block. */
export interface BackendFixture {
  project: TestProject;
  dataDir: string;
  backend: RunningBackend;
  /** A client of `backend` with the test token (replace both together when a test restarts the backend). */
  client: BackendClient;
}

/**
 * Registers the describe block's before/after: the fields are set once `before` ran (so read them inside tests and
 * hooks), the functions in `deploy` are deployed, and everything is stopped and removed after the block.
 */
export function useTestBackend(options: { backend?: BackendOptions; deploy?: string[] } = {}): BackendFixture {
  const fixture = {} as BackendFixture;
  before(async () => {
    fixture.project = await createProject();
    fixture.dataDir = await createDataDir();
    Object.assign(fixture, await startTestBackend(fixture.dataDir, options.backend));
    for (const name of options.deploy ?? []) {
      const artifact = await fixture.project.artifact(name);
      await fixture.client.deploy(name, artifact.tarball, artifact.sha256);
    }
  });
  after(async () => {
    await fixture.backend?.close();
    await fixture.project?.dispose();
    if (fixture.dataDir) await rm(fixture.dataDir, { recursive: true, force: true });
  });
  return fixture;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
