// Backend: once a metadata store's close() resolves, nothing of it touches the data dir any more — its checkpoint
// worker has ended too — so the dir can be copied, backed up or removed at once.

import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MetadataStore } from '../../src/backend/store';
import { silentLogger } from '../../src/shared/logger';
import { createDataDir } from './helpers';

describe('backend store: close', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await createDataDir();
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

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
