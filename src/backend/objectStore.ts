// Backend layer: the bucket objects behind storage triggers, one file per object under `<data>/buckets/<bucket>/`.
// Keys are percent-encoded into a single file name, so no key can name a path outside its bucket. A key whose encoded
// name would not fit a file name (S3 allows 1024 bytes; `ü` encodes to 6 characters, `/` to 3) is named by its
// sha256 after `%%`, which no percent-encoding produces, so the two kinds of names never meet.

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NimbusError } from '../shared/errors';
import type { ObjectInfo } from '../shared/backendApi';

const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,62}$/;
/** S3's limit on a key. */
const maxKeyBytes = 1024;
/** Longest encoded key kept as the file name itself (file systems allow 255 bytes; room for the temp-file prefix). */
const maxPlainName = 240;

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
    try {
      await rm(this.file(bucket, key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private file(bucket: string, key: string): string {
    if (!bucketPattern.test(bucket)) {
      throw new NimbusError('USAGE', `bucket name "${bucket}" is invalid; use 2-63 lower-case letters, digits, dots and dashes`);
    }
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes === 0 || bytes > maxKeyBytes) {
      throw new NimbusError('USAGE', `an object key is 1 to ${maxKeyBytes} bytes of UTF-8, as on S3; this one is ${bytes}`);
    }
    const encoded = encodeURIComponent(key);
    const name = encoded.length <= maxPlainName ? encoded : `%%${createHash('sha256').update(key, 'utf8').digest('hex')}`;
    return join(this.root, bucket, name);
  }
}
