// Backend layer: the bucket objects behind storage triggers, one file per object under `<data>/buckets/<bucket>/`.
// Keys are percent-encoded into a single file name, so no key can name a path outside its bucket.

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NimbusError } from '../shared/errors';
import type { ObjectInfo } from '../shared/backendApi';

const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,62}$/;

export class ObjectStore {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'buckets');
  }

  /** Stores an object durably (temp file, fsync, rename) and returns what a storage event reports. */
  async put(bucket: string, key: string, content: Buffer): Promise<ObjectInfo> {
    const file = this.file(bucket, key);
    const folder = join(this.root, bucket);
    await mkdir(folder, { recursive: true });
    const temporary = join(folder, `.${randomUUID()}.partial`);
    const handle = await open(temporary, 'w', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    const folderHandle = await open(folder, 'r');
    try {
      await folderHandle.sync();
    } finally {
      await folderHandle.close();
    }
    return { bucket, key, size: content.length, etag: createHash('md5').update(content).digest('hex') };
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    try {
      return await readFile(this.file(bucket, key));
    } catch {
      throw new NimbusError('NOT_FOUND', `object ${key} is not in bucket ${bucket}; upload it with PUT /api/v1/buckets/${bucket}/objects/${key}`);
    }
  }

  /** Removes an object; false when there was none. */
  async delete(bucket: string, key: string): Promise<boolean> {
    const file = this.file(bucket, key);
    try {
      await readFile(file);
    } catch {
      return false;
    }
    await rm(file, { force: true });
    return true;
  }

  private file(bucket: string, key: string): string {
    if (!bucketPattern.test(bucket)) {
      throw new NimbusError('USAGE', `bucket name "${bucket}" is invalid; use 2-63 lower-case letters, digits, dots and dashes`);
    }
    const name = encodeURIComponent(key);
    if (key.length === 0 || name.length > 240) {
      throw new NimbusError('USAGE', `object key must be 1 to about 200 characters long; got ${key.length}`);
    }
    return join(this.root, bucket, name);
  }
}
