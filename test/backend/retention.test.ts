// Backend: `--retain-days` — invocation records and log lines older than the period are dropped (at start, then on
// an interval, in batches), newer ones and the metrics' counters are kept, and bad values are refused with a sentence.

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { serveUntilAborted } from '../../src/backend/serve';
import { HistoryRetention } from '../../src/backend/retention';
import { MetadataStore, type RecordedInvocation } from '../../src/backend/store';
import { isNimbusError } from '../../src/shared/errors';
import type { StoredLogLine } from '../../src/shared/backendApi';
import { silentLogger } from '../../src/shared/logger';
import { createDataDir, createProject, startTestBackend, waitFor } from './helpers';

const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;
const now = Date.parse('2026-12-01T12:00:00.000Z');

function recorded(requestId: string, startedAt: number, durationMs = 10): RecordedInvocation {
  const time = new Date(startedAt).toISOString();
  return {
    record: {
      requestId, functionName: 'hello', version: 1, trigger: 'http', failed: false, durationMs, billedMs: durationMs,
      memoryMB: 128, maxMemoryUsedMB: 40, coldStart: false, costUsd: 0.000001, startedAt: time, reportedAt: time,
    },
    lines: [{ requestId, functionName: 'hello', time, level: 'info', message: `line of ${requestId}` }],
  };
}

/** The request ids of the lines the functions wrote (not their REPORT lines), in order. */
const written = (lines: StoredLogLine[]) => lines.filter((line) => !line.message.startsWith('REPORT ')).map((line) => line.requestId);

describe('backend retention', function () {
  this.timeout(30_000);
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await createDataDir();
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('drops records and lines past the period in batches, keeps newer ones and the counters', async () => {
    const store = new MetadataStore(join(dataDir, 'metadata.db'), silentLogger);
    try {
      // More old rows than one batch holds, one newer row among them, and the recent ones after.
      const old = Array.from({ length: 4500 }, (_, index) => recorded(`old-${index}`, now - 3 * dayMs + index, 1000));
      old.splice(2000, 0, recorded('newer-among-old', now - 2 * dayMs + hourMs));
      store.recordInvocations(old);
      store.recordInvocations([recorded('recent-1', now - 60_000, 20), recorded('recent-2', now - 1000, 30)]);
      const retention = new HistoryRetention(store, { days: 2, now: () => now }, silentLogger);
      await retention.prune();
      await retention.dispose();

      const lines = store.logs('hello', 0, 10_000);
      const kept = written(lines);
      assert.equal(lines.length, 2 * kept.length, 'each invocation kept keeps its REPORT line');
      // Nothing newer than the cutoff went; the old rows behind the newer one wait until it expires too.
      assert.equal(kept[0], 'newer-among-old');
      assert.equal(kept.length, 2 + 1 + (4500 - 2000));
      assert.deepEqual(kept.slice(-2), ['recent-1', 'recent-2']);
      const metrics = store.metrics('hello');
      assert.equal(metrics.invocations, 4503, 'the counters stay whole');
      assert.ok(metrics.gbSeconds > 4500 * 0.125 * 0.99, `GB-seconds kept: ${metrics.gbSeconds}`);

      // Once the newer row expires as well, the rest of the old ones go with it.
      const later = new HistoryRetention(store, { days: 2, now: () => now + 2 * hourMs }, silentLogger);
      await later.prune();
      await later.dispose();
      assert.deepEqual(written(store.logs('hello', 0, 10_000)), ['recent-1', 'recent-2']);
      assert.equal(store.metrics('hello').p99Ms, 30, 'percentiles are over what is kept');
    } finally {
      await store.close();
    }
  });

  it('runs on a live backend: what was invoked goes once it is past the period, new invocations stay', async () => {
    const project = await createProject();
    let offsetMs = 0;
    const { backend, client } = await startTestBackend(dataDir, { retention: { days: 1, intervalMs: 100, now: () => Date.now() + offsetMs } });
    try {
      const artifact = await project.artifact('hello');
      await client.deploy('hello', artifact.tarball, artifact.sha256);
      for (let index = 0; index < 3; index++) await client.invoke('hello', {});
      const before = await client.logs('hello', { limit: 1000 });
      assert.ok(before.lines.length >= 3, 'the invocations logged');

      offsetMs = 2 * dayMs;
      await waitFor('the old lines to go', async () => ((await client.logs('hello', { limit: 1000 })).lines.length === 0 ? true : undefined));
      offsetMs = 0;
      const fresh = await client.invoke('hello', {});
      const after = await client.logs('hello', { limit: 1000 });
      assert.ok(after.lines.length > 0 && after.lines.every((line) => line.requestId === fresh.requestId), JSON.stringify(after.lines));
      assert.equal((await client.metrics('hello')).invocations, 4);
    } finally {
      await backend.close();
      await project.dispose();
    }
  });

  it('refuses a --retain-days that is not a number of days above 0, saying what to type', async () => {
    for (const value of ['0', '-3', 'forever', '']) {
      await assert.rejects(
        serveUntilAborted({ port: 0, host: '127.0.0.1', dataDir, retainDays: value, stderr: { write: () => undefined }, signal: AbortSignal.abort() }),
        (error: unknown) => isNimbusError(error) && error.code === 'USAGE' && /--retain-days 30/.test(error.message),
        value,
      );
    }
  });
});
