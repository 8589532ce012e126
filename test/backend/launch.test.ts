// Backend: launching dist/backend.js as a child process on a port it picks itself (the extension's local backend).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBackend } from '../../src/backend/launch';
import { isNimbusError } from '../../src/shared/errors';

const script = resolve(__dirname, '../../dist/backend.js');

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
