// Executor: private tmp dirs of instances whose host died (kill -9) are removed; those of live hosts are kept.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOrphanedInstanceTmpDirs } from '../../../src/executor/paths';

describe('executor: instance tmp dirs', () => {
  it('removes the dirs of dead owner processes and keeps live ones and unrelated folders', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'nimbus-sweep-'));
    try {
      // A process that has exited: its pid names no live process now.
      const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
      const orphan = join(folder, `nimbus-instance-${deadPid}-abc123`);
      const live = join(folder, `nimbus-instance-${process.pid}-def456`);
      const unrelated = join(folder, 'something-else');
      for (const path of [orphan, live, unrelated]) mkdirSync(join(path, 'inner'), { recursive: true });
      const removed = await removeOrphanedInstanceTmpDirs(folder);
      assert.deepEqual(removed, [`nimbus-instance-${deadPid}-abc123`]);
      assert.equal(existsSync(orphan), false);
      assert.equal(existsSync(live), true);
      assert.equal(existsSync(unrelated), true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
