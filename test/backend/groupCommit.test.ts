// Backend: group commit — a record is committed at once when nothing else could join it, waits (bounded) for
// invocations still running, and every record of a failed commit learns that it failed.

import assert from 'node:assert/strict';
import { GroupCommit } from '../../src/backend/groupCommit';

function recorder(running: () => number, options: { maxBatch?: number; maxTurns?: number; fail?: boolean } = {}) {
  const commits: number[][] = [];
  const group: GroupCommit<number> = new GroupCommit<number>({
    commit: (items) => {
      if (options.fail) throw new Error('disk full');
      commits.push(items);
    },
    stillRunning: running,
    maxBatch: options.maxBatch ?? 64,
    maxTurns: options.maxTurns ?? 1000,
  });
  return { group, commits };
}

describe('backend group commit', () => {
  it('commits a record at once when no other invocation could join it', async () => {
    const { group, commits } = recorder(() => 0, { maxTurns: 1000 });
    const added = group.add(1);
    assert.deepEqual(commits, [[1]]);
    await added;
  });

  it('lets records wait for invocations still running, and commits them together when the last one finishes', async () => {
    const running = 3;
    const { group, commits } = recorder(() => running - group.size);
    const first = group.add(1);
    const second = group.add(2);
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(commits, [], 'nothing is committed while a third invocation runs');
    const third = group.add(3);
    await Promise.all([first, second, third]);
    assert.deepEqual(commits, [[1, 2, 3]]);
  });

  it('commits after its turns of the event loop when another invocation keeps running', async () => {
    const { group, commits } = recorder(() => 1, { maxTurns: 5 });
    await Promise.all([group.add(1), group.add(2)]);
    assert.deepEqual(commits, [[1, 2]]);
  });

  it('commits once a full batch waits', async () => {
    const { group, commits } = recorder(() => 100, { maxBatch: 3 });
    await Promise.all([group.add(1), group.add(2), group.add(3)]);
    assert.deepEqual(commits, [[1, 2, 3]]);
  });

  it('rejects every record of a commit that failed', async () => {
    const { group } = recorder(() => 0, { fail: true });
    const outcomes = await Promise.allSettled([group.add(1), group.add(2)]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected']);
  });
});
