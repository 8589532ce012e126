// Backend: the metadata store's data dir — one written by 0.1.0 (invocations keyed by request id) opens in this
// version with its invocations kept, in order, and records new ones; and once close() resolves nothing of the store
// touches the dir any more (its checkpoint worker has ended too), so it can be copied, backed up or removed at once.

import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MetadataStore } from '../../src/backend/store';
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
        assert.deepEqual(indexes.map((index) => index.name), ['invocations_by_function']);
      } finally {
        reopened.close();
      }
    });

    it('opens a data dir of this version again without changing it', async () => {
      const file = join(dataDir, 'metadata.db');
      await new MetadataStore(file, silentLogger).close();
      const written = new Database(file);
      // An id a re-keying would renumber.
      written.prepare(`INSERT INTO invocations VALUES (100, 'kept', 'hello', 1, 'http', 0, 5, 5, 256, 40, NULL, 0, 0.000001, '2026-12-01T00:00:00.000Z')`).run();
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
