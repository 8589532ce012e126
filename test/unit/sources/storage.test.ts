// Unit tests of the storage event source: real files dropped into and deleted from a bucket folder fire the real
// function with the S3 event; a file written in parts fires once.

import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BucketWatcher } from '../../../src/executor/sources/storage';
import { defaultSourceTiming } from '../../../src/executor/sources/source';
import { delay, serve, until, type ServedProject } from './project';

const manifest = `
functions:
  thumbnail:
    handler: thumbnail.handler
    triggers:
      - storage: { bucket: uploads, events: [created, deleted], prefix: img/, suffix: .png }
`;

const thumbnail = `
exports.handler = async (event) => {
  const record = event.Records[0];
  return { eventName: record.eventName, bucket: record.s3.bucket.name, key: record.s3.object.key, size: record.s3.object.size };
};
`;

describe('storage source', function () {
  this.timeout(20_000);
  let project: ServedProject;
  let bucket: string;

  before(async () => {
    project = await serve({ 'nimbus.yaml': manifest, 'thumbnail.js': thumbnail });
    bucket = join(project.root, '.nimbus', 'buckets', 'uploads');
  });

  after(async () => {
    await project?.dispose();
  });

  const resultFor = (key: string, eventName: string) =>
    until(
      () =>
        project.invocations
          .map((invocation) => invocation.result.result as { eventName: string; key: string; size?: number; bucket: string })
          .find((result) => result?.key === key && result.eventName === eventName),
      8000,
      `${eventName} ${key}`,
    );

  it('creates the bucket folder and lists it with its functions', async () => {
    const description = project.gateway.describe();
    assert.deepEqual(description.buckets, [
      { bucket: 'uploads', folder: bucket, functions: [{ function: 'thumbnail', events: ['created', 'deleted'], prefix: 'img/', suffix: '.png' }] },
    ]);
  });

  it('fires the function with the S3 key and size when a file is written into the bucket folder', async () => {
    await mkdir(join(bucket, 'img'), { recursive: true });
    await writeFile(join(bucket, 'img', 'cat.png'), Buffer.alloc(1234, 1));
    const result = await resultFor('img/cat.png', 'ObjectCreated:Put');
    assert.deepEqual(result, { eventName: 'ObjectCreated:Put', bucket: 'uploads', key: 'img/cat.png', size: 1234 });
  });

  it('fires ObjectRemoved when the file is deleted', async () => {
    await writeFile(join(bucket, 'img', 'dog.png'), 'woof');
    await resultFor('img/dog.png', 'ObjectCreated:Put');
    await unlink(join(bucket, 'img', 'dog.png'));
    const result = await resultFor('img/dog.png', 'ObjectRemoved:Delete');
    assert.equal(result.bucket, 'uploads');
  });

  it('does not fire for keys outside the trigger prefix or suffix', async () => {
    await mkdir(join(bucket, 'docs'), { recursive: true });
    await writeFile(join(bucket, 'docs', 'readme.png'), 'not under img/');
    await writeFile(join(bucket, 'img', 'photo.jpg'), 'not a png');
    await writeFile(join(bucket, 'img', 'marker.png'), 'fires');
    await resultFor('img/marker.png', 'ObjectCreated:Put');
    // The marker was written last; give the other two the same settling time before looking.
    await delay(300);
    const keys = project.invocations.map((invocation) => (invocation.result.result as { key: string }).key);
    assert.ok(!keys.includes('docs/readme.png'));
    assert.ok(!keys.includes('img/photo.jpg'));
  });
});

describe('bucket watcher', function () {
  this.timeout(10_000);
  let folder: string;
  let watcher: BucketWatcher | undefined;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'nimbus-bucket-'));
  });

  afterEach(async () => {
    watcher?.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('reports a file written in parts once, with its final size', async () => {
    const seen: { key: string; eventName: string; size?: number }[] = [];
    watcher = new BucketWatcher(folder, { ...defaultSourceTiming, fileDebounceMs: 20, fileStableMs: 150 }, (key, eventName, size) =>
      seen.push({ key, eventName, size }),
    );
    await watcher.start();
    const file = join(folder, 'big.bin');
    await writeFile(file, Buffer.alloc(1000));
    for (let part = 0; part < 4; part++) {
      await delay(40);
      await appendFile(file, Buffer.alloc(1000));
    }
    await until(() => (seen.length ? true : undefined), 5000, 'created');
    await delay(400);
    assert.deepEqual(seen, [{ key: 'big.bin', eventName: 'created', size: 5000 }]);
  });

  it('reports every known file of a deleted folder, and not the files that were there before it started as new', async () => {
    await mkdir(join(folder, 'a', 'b'), { recursive: true });
    await writeFile(join(folder, 'a', 'one.txt'), '1');
    await writeFile(join(folder, 'a', 'b', 'two.txt'), '2');
    const seen: string[] = [];
    watcher = new BucketWatcher(folder, { ...defaultSourceTiming, fileDebounceMs: 20, fileStableMs: 30 }, (key, eventName) =>
      seen.push(`${eventName} ${key}`),
    );
    await watcher.start();
    await rm(join(folder, 'a'), { recursive: true });
    await until(() => (seen.length >= 2 ? true : undefined), 5000, 'deletions');
    await delay(200);
    assert.deepEqual([...seen].sort(), ['deleted a/b/two.txt', 'deleted a/one.txt']);
  });
});
