// Backend: launching dist/backend.js as a child process on a port it picks itself (the extension's local backend).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBackend } from '../../src/backend/launch';
import { isNimbusError } from '../../src/shared/errors';

const script = resolve(__dirname, '../../dist/backend.js');

/** dist/backend.js run to its end (asynchronously, so a server of this process can still answer). */
function runBackend(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [script, ...args], { env: { ...process.env, NIMBUS_TOKEN: '' }, timeout: 20_000 }, (error, _stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
    );
  });
}

describe('backend launch', function () {
  this.timeout(30_000);

  it('starts on a free port, answers /healthz, prints its first token, and stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-launch-'));
    const output: string[] = [];
    const backend = await launchBackend({ nodePath: process.execPath, script, dataDir, env: { ...process.env, NIMBUS_TOKEN: '' }, onOutput: (line) => output.push(line) });
    try {
      assert.match(backend.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(backend.url.endsWith(':0'), true);
      assert.deepEqual(await (await fetch(`${backend.url}/healthz`)).json(), { status: 'ok' });
      assert.ok(output.some((line) => line.includes('Generated the API token')), output.join('\n'));
    } finally {
      await backend.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    assert.notEqual(backend.child.exitCode ?? backend.child.signalCode, null, 'the process is gone');
  });

  it('refuses a port in use with a sentence and keeps no token, so the next start prints one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-launch-'));
    const holder = createServer();
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
    const { port } = holder.address() as AddressInfo;
    try {
      // Several times: the process used to exit 0 without a word about as often as it reported the error.
      for (let attempt = 0; attempt < 3; attempt++) {
        const run = await runBackend(['--port', String(port), '--data', dataDir]);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use; stop what uses it or pass --port with another port`));
        assert.doesNotMatch(run.stderr, /Generated the API token|\n\s+at /);
        assert.equal(existsSync(join(dataDir, 'token')), false, 'no token kept by a start that failed');
      }
      const output: string[] = [];
      const backend = await launchBackend({ nodePath: process.execPath, script, dataDir, env: { ...process.env, NIMBUS_TOKEN: '' }, onOutput: (line) => output.push(line) });
      await backend.stop();
      assert.ok(output.some((line) => line.includes('Generated the API token')), output.join('\n'));
    } finally {
      holder.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a --data that is a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-launch-'));
    try {
      writeFileSync(join(dir, 'file'), 'not a folder');
      const run = await runBackend(['--port', '0', '--data', join(dir, 'file')]);
      assert.equal(run.code, 2, run.stderr);
      assert.ok(run.stderr.includes(`the data dir ${join(dir, 'file')} cannot be a folder (a file is in the way); give --data a folder of its own`), run.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with a sentence when the backend cannot start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-launch-'));
    try {
      await assert.rejects(
        launchBackend({ nodePath: process.execPath, script: join(dataDir, 'missing.js'), dataDir }),
        (error: unknown) => isNimbusError(error) && error.code === 'BACKEND_UNREACHABLE' && /exited/.test(error.message),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
