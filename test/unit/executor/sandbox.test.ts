// Executor: the sandbox — what a function may not read, write, spawn, see or reach, per sandbox level.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutor, type Executor } from '../../../src/executor/index';
import { findBubblewrap } from '../../../src/executor/sandbox';
import { RecordingLogger } from '../../../src/shared/logger';
import { ensureHarness, fixtureFunction, temporaryFolder } from './support';

const behaviors = (name: string, network = false) => fixtureFunction('behaviors.js', { name, network, env: { ALLOWED: 'yes' } });

for (const level of ['node', 'strict'] as const) {
  describe(`executor: sandbox level '${level}'`, () => {
    const cache = temporaryFolder(`sandbox-${level}`);
    const logger = new RecordingLogger();
    let executor: Executor;

    before(async () => {
      await ensureHarness();
      process.env.NIMBUS_TEST_SECRET = 'parent-only';
      executor = createExecutor({ cacheDir: cache.path, sandbox: level, logger });
    });
    after(async () => {
      delete process.env.NIMBUS_TEST_SECRET;
      await executor.dispose();
      cache.remove();
    });

    it('denies reading /etc/shadow and names it', async () => {
      const outcome = await executor.invoke(behaviors(`${level}-read`), { action: 'readShadow' });
      assert.equal(outcome.error?.errorType, 'SandboxDenied');
      assert.equal(outcome.error?.errorMessage, 'sandbox denied read of /etc/shadow: functions may read only their own folder');
    });

    it("allows reading the function's own folder", async () => {
      const outcome = await executor.invoke(behaviors(`${level}-own`), { action: 'readOwnFolder' });
      assert.equal(outcome.error, undefined);
      assert.ok((outcome.result as number) > 0);
    });

    it('denies spawning a child process', async () => {
      const outcome = await executor.invoke(behaviors(`${level}-spawn`), { action: 'spawn' });
      assert.equal(outcome.error?.errorType, 'SandboxDenied');
      assert.match(outcome.error!.errorMessage, /sandbox denied spawning a child process/);
    });

    it("shows only the function's env and the documented variables", async () => {
      const outcome = await executor.invoke(behaviors(`${level}-env`), { action: 'env' });
      const env = outcome.result as Record<string, string>;
      assert.equal(env.NIMBUS_TEST_SECRET, undefined);
      assert.equal(env.NODE_OPTIONS, undefined);
      assert.equal(env.ALLOWED, 'yes');
      assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, `${level}-env`);
      assert.equal(env.AWS_REGION, 'local');
      assert.equal(env.PATH, '/usr/bin:/bin');
      const documented = ['TZ', 'LANG', 'PATH', 'PWD', 'TMPDIR', 'ALLOWED', 'NIMBUS_FUNCTION_NAME', 'NIMBUS_FUNCTION_MEMORY', 'AWS_LAMBDA_FUNCTION_NAME',
        'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_REGION'];
      // Node adds its IPC channel variables to every child it spawns with an IPC channel.
      const unexpected = Object.keys(env).filter((name) => !documented.includes(name) && !name.startsWith('NODE_CHANNEL_'));
      assert.deepEqual(unexpected, []);
    });

    it('denies writing outside the tmp dir', async () => {
      const outcome = await executor.invoke(behaviors(`${level}-write`), { action: 'writeOutside' });
      assert.equal(outcome.error?.errorType, 'SandboxDenied');
      assert.match(outcome.error!.errorMessage, /^sandbox denied write of \/var\/nimbus-escape\.txt/);
      assert.equal(existsSync('/var/nimbus-escape.txt'), false);
    });

    it('allows writing inside its private tmp dir and removes it when the instance stops', async () => {
      const outcome = await executor.invoke(behaviors(`${level}-tmp`), { action: 'writeTmp' });
      const { text, folder } = outcome.result as { text: string; folder: string };
      assert.equal(text, 'scratch');
      assert.ok(folder.startsWith(join(tmpdir(), 'nimbus-instance-')));
      assert.ok(existsSync(folder));
      await executor.invalidate(`${level}-tmp`);
      assert.equal(existsSync(folder), false);
    });

    if (level === 'strict') {
      it('denies the network unless the function asks for it (bubblewrap)', async function () {
        if (!(await findBubblewrap())) this.skip();
        const outcome = await executor.invoke(behaviors('strict-network'), { action: 'network' });
        assert.equal(outcome.error?.errorType, 'SandboxDenied');
        assert.equal(outcome.error?.errorMessage, 'sandbox denied network access to 192.0.2.1:80: set network: true for the function in nimbus.yaml');
        assert.deepEqual(logger.entries.filter((entry) => entry.level === 'warn'), []);
      });
    }
  });
}
