// Backend: the metadata store's data dir — one written by 0.1.0 (invocations keyed by request id) opens in this
// version with its invocations kept, in order, and records new ones; and once close() resolves nothing of the store
// touches the dir any more (its checkpoint worker has ended too), so it can be copied, backed up or removed at once.

import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MetadataStore, type RecordedInvocation } from '../../src/backend/store';
import { silentLogger } from '../../src/shared/logger';
import { createDataDir } from './helpers';

/** The invocations table as 0.1.0 created it. */
const invocationsOf010 = `
CREATE TABLE invocations (
  request_id TEXT PRIMARY KEY, function_name TEXT NOT NULL, version INTEGER NOT NULL, trigger TEXT NOT NULL,
  failed INTEGER NOT NULL, duration_ms REAL NOT NULL, billed_ms INTEGER NOT NULL, memory_mb INTEGER NOT NULL,
  max_memory_mb REAL NOT NULL, init_duration_ms REAL, cold_start INTEGER NOT NULL, cost_usd REAL NOT NULL,
  started_at TEXT NOT NULL
);
CREATE INDEX invocations_by_function ON invocations (function_name, started_at);
`;

/** The invocations table and the log lines as the version before derived REPORT lines wrote them. */
const beforeDerivedReports = `
CREATE TABLE invocations (
  id INTEGER PRIMARY KEY, request_id TEXT NOT NULL, function_name TEXT NOT NULL, version INTEGER NOT NULL,
  trigger TEXT NOT NULL, failed INTEGER NOT NULL, duration_ms REAL NOT NULL, billed_ms INTEGER NOT NULL,
  memory_mb INTEGER NOT NULL, max_memory_mb REAL NOT NULL, init_duration_ms REAL, cold_start INTEGER NOT NULL,
  cost_usd REAL NOT NULL, started_at TEXT NOT NULL
);
CREATE INDEX invocations_by_function ON invocations (function_name, started_at);
CREATE TABLE logs (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT, function_name TEXT NOT NULL, request_id TEXT NOT NULL, time TEXT NOT NULL,
  level TEXT NOT NULL, message TEXT NOT NULL
);
INSERT INTO invocations VALUES (1, 'old', 'hello', 1, 'http', 0, 5, 5, 256, 40, NULL, 0, 0.000001, '2026-11-30T10:00:00.000Z');
INSERT INTO logs (function_name, request_id, time, level, message) VALUES
  ('hello', 'old', '2026-11-30T10:00:00.001Z', 'info', 'greeting old'),
  ('hello', 'old', '2026-11-30T10:00:00.005Z', 'info', 'REPORT RequestId: old Duration: 5.00 ms Billed Duration: 5 ms Memory Size: 256 MB Max Memory Used: 40 MB');
`;

function recorded(requestId: string, options: { lines?: string[]; initDurationMs?: number; at?: string } = {}): RecordedInvocation {
  const time = options.at ?? '2026-12-01T10:00:00.000Z';
  return {
    record: {
      requestId, functionName: 'hello', version: 1, trigger: 'http', failed: false, durationMs: 1.234, billedMs: 2,
      memoryMB: 256, maxMemoryUsedMB: 41.4, coldStart: options.initDurationMs !== undefined, costUsd: 0.000001,
      startedAt: time, reportedAt: time, ...(options.initDurationMs === undefined ? {} : { initDurationMs: options.initDurationMs }),
    },
    lines: (options.lines ?? []).map((message) => ({ requestId, functionName: 'hello', time, level: 'info' as const, message })),
  };
}

/** Sequence and message of each line of `hello`, REPORT lines included. */
const linesOf = (store: MetadataStore, since = 0) => store.logs('hello', since, 1000).map((line) => `${line.sequence} ${line.message}`);

describe('backend store', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await createDataDir();
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('data dirs of older versions', () => {
    it('moves 0.1.0 invocations to the integer-keyed table, in order, and records new ones after them', async () => {
      const file = join(dataDir, 'metadata.db');
      const old = new Database(file);
      old.exec(invocationsOf010);
      const insert = old.prepare(
        `INSERT INTO invocations VALUES (?, 'hello', 1, 'http', 0, ?, 1, 256, 40, NULL, 0, 0.000001, ?)`,
      );
      // Inserted out of time order: the random request ids of 0.1.0 gave no order of their own.
      insert.run('c-third', 30, '2026-11-23T10:00:03.000Z');
      insert.run('a-first', 10, '2026-11-23T10:00:01.000Z');
      insert.run('b-second', 20, '2026-11-23T10:00:02.000Z');
      old.close();

      const store = new MetadataStore(file, silentLogger);
      try {
        assert.equal(store.metrics('hello').p50Ms, 20);
        store.recordInvocations([
          {
            record: {
              requestId: 'd-fourth', functionName: 'hello', version: 1, trigger: 'http', failed: false, durationMs: 40, billedMs: 40,
              memoryMB: 256, maxMemoryUsedMB: 41, coldStart: false, costUsd: 0.000001, startedAt: '2026-11-23T10:00:04.000Z',
              reportedAt: '2026-11-23T10:00:04.040Z',
            },
            lines: [],
          },
        ]);
        assert.equal(store.metrics('hello').p99Ms, 40);
      } finally {
        await store.close();
      }
      const reopened = new Database(file, { readonly: true });
      try {
        const rows = reopened.prepare('SELECT id, request_id FROM invocations ORDER BY id').all() as { id: number; request_id: string }[];
        assert.deepEqual(rows.map((row) => row.request_id), ['a-first', 'b-second', 'c-third', 'd-fourth']);
        const indexes = reopened.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'invocations'`).all() as { name: string }[];
        assert.deepEqual(indexes.map((index) => index.name), ['invocations_by_report']);
      } finally {
        reopened.close();
      }
    });

    it('opens a data dir of this version again without changing it', async () => {
      const file = join(dataDir, 'metadata.db');
      await new MetadataStore(file, silentLogger).close();
      const written = new Database(file);
      // An id a re-keying would renumber.
      written.prepare(`INSERT INTO invocations VALUES (100, 'kept', 'hello', 1, 'http', 0, 5, 5, 256, 40, NULL, 0, 0.000001, '2026-12-01T00:00:00.000Z', 1, '2026-12-01T00:00:00.005Z')`).run();
      written.close();
      await new MetadataStore(file, silentLogger).close();
      const reopened = new Database(file, { readonly: true });
      try {
        const tables = reopened.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'invocations%'`).all() as { name: string }[];
        assert.deepEqual(tables.map((table) => table.name), ['invocations']);
        assert.deepEqual(reopened.prepare('SELECT id, request_id FROM invocations').all(), [{ id: 100, request_id: 'kept' }]);
      } finally {
        reopened.close();
      }
    });
  });

  describe('REPORT lines', () => {
    it('come from the invocation row, after the lines it wrote, with no row of their own in logs', async () => {
      const file = join(dataDir, 'metadata.db');
      const store = new MetadataStore(file, silentLogger);
      try {
        store.recordInvocations([recorded('a', { lines: ['one', 'two'], initDurationMs: 80.5 }), recorded('b')]);
        assert.deepEqual(linesOf(store), [
          '1 one',
          '2 two',
          '3 REPORT RequestId: a Duration: 1.23 ms Billed Duration: 2 ms Memory Size: 256 MB Max Memory Used: 41 MB Init Duration: 80.50 ms',
          '4 REPORT RequestId: b Duration: 1.23 ms Billed Duration: 2 ms Memory Size: 256 MB Max Memory Used: 41 MB',
        ]);
        assert.deepEqual(linesOf(store, 2), linesOf(store).slice(2), 'paged by sequence');
        assert.deepEqual(store.logs('hello', 0, 2, true).map((line) => line.sequence), [3, 4], 'the newest');
        assert.equal(store.sequenceBefore('hello', '2026-12-01T10:00:00.000Z'), 0);
        assert.equal(store.sequenceBefore('hello', '2026-12-02T00:00:00.000Z'), 4, 'after the last line: from the next one on');
      } finally {
        await store.close();
      }
      const raw = new Database(file, { readonly: true });
      try {
        assert.deepEqual(raw.prepare('SELECT message FROM logs ORDER BY sequence').all(), [{ message: 'one' }, { message: 'two' }]);
      } finally {
        raw.close();
      }
    });

    it('never reuse a number: not after a delete, nor after an older backend wrote lines itself', async () => {
      const file = join(dataDir, 'metadata.db');
      let store = new MetadataStore(file, silentLogger);
      store.recordInvocations([recorded('a', { lines: ['one'] }), recorded('b')]);
      assert.equal(store.deleteFunction('hello'), false, 'no function row, only its history');
      assert.deepEqual(linesOf(store), []);
      store.recordInvocations([recorded('c')]);
      assert.deepEqual(linesOf(store).map((line) => line.split(' ')[0]), ['4']);
      await store.close();
      // An older backend numbers its rows from the logs table's AUTOINCREMENT counter.
      const older = new Database(file);
      older.prepare(`INSERT INTO logs (function_name, request_id, time, level, message) VALUES ('hello', 'd', '2026-12-01T11:00:00.000Z', 'info', 'older')`).run();
      older.close();
      store = new MetadataStore(file, silentLogger);
      try {
        store.recordInvocations([recorded('e', { at: '2026-12-01T12:00:00.000Z' })]);
        assert.deepEqual(linesOf(store).map((line) => line.split(' ').slice(0, 2).join(' ')), ['4 REPORT', '5 older', '6 REPORT']);
      } finally {
        await store.close();
      }
    });

    it('of a data dir from before them stay where they were, and new ones follow', async () => {
      const file = join(dataDir, 'metadata.db');
      const old = new Database(file);
      old.exec(beforeDerivedReports);
      old.close();
      const store = new MetadataStore(file, silentLogger);
      try {
        store.recordInvocations([recorded('new', { lines: ['greeting new'] })]);
        assert.deepEqual(linesOf(store), [
          '1 greeting old',
          '2 REPORT RequestId: old Duration: 5.00 ms Billed Duration: 5 ms Memory Size: 256 MB Max Memory Used: 40 MB',
          '3 greeting new',
          '4 REPORT RequestId: new Duration: 1.23 ms Billed Duration: 2 ms Memory Size: 256 MB Max Memory Used: 41 MB',
        ]);
        assert.equal(store.metrics('hello').invocations, 1, 'counted from the new record (the old counters were in metrics)');
        assert.deepEqual(store.metrics('hello').p99Ms, 5, 'percentiles over old and new rows');
      } finally {
        await store.close();
      }
    });
  });

  describe('queue messages', () => {
    it('keep when they were sent across deliveries, also in a data dir whose messages did not record it', async () => {
      const file = join(dataDir, 'metadata.db');
      const old = new Database(file);
      old.exec(`CREATE TABLE queue_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, topic TEXT NOT NULL, function_name TEXT NOT NULL,
        body TEXT NOT NULL, receive_count INTEGER NOT NULL DEFAULT 0, visible_at INTEGER NOT NULL, state TEXT NOT NULL,
        last_error TEXT, failed_at TEXT);
        INSERT INTO queue_messages (message_id, topic, function_name, body, visible_at, state) VALUES ('old', 'orders', 'hello', 'x', 0, 'ready');`);
      old.close();
      const store = new MetadataStore(file, silentLogger);
      try {
        store.enqueue('orders', ['hello'], [{ messageId: 'new', body: 'y' }], 1_000);
        const first = store.claimMessages('hello', 'orders', 10, 2_000);
        assert.deepEqual(first.map((message) => [message.messageId, message.sentAt]), [['old', undefined], ['new', 1_000]]);
        store.failMessages(first, 'boom', 5, 2_500);
        const again = store.claimMessages('hello', 'orders', 10, 3_000);
        assert.deepEqual(again.map((message) => [message.messageId, message.receiveCount, message.sentAt]), [['old', 2, undefined], ['new', 2, 1_000]]);
      } finally {
        await store.close();
      }
    });
  });

  describe('close', () => {
    it('leaves only metadata.db, with what was written', async () => {
      const file = join(dataDir, 'metadata.db');
      const store = new MetadataStore(file, silentLogger);
      store.setMeta('kept', 'yes');
      await store.close();
      assert.deepEqual(await readdir(dataDir), ['metadata.db']);
      const reopened = new MetadataStore(file, silentLogger);
      try {
        assert.equal(reopened.getMeta('kept'), 'yes');
      } finally {
        await reopened.close();
      }
    });

    it('does not bring a removed store back: the checkpoint worker is gone when close() resolves', async () => {
      // A store closed right after opening used to leave its worker still starting; it then opened (and so created) the
      // database file again in a data dir being removed.
      for (let round = 0; round < 5; round++) {
        await new MetadataStore(join(dataDir, 'metadata.db'), silentLogger).close();
        for (const name of readdirSync(dataDir)) rmSync(join(dataDir, name));
        await new Promise((done) => setTimeout(done, 100));
        assert.deepEqual(await readdir(dataDir), [], `round ${round}`);
      }
    });
  });
});
