// Executor layer: the storage event source — each bucket is a folder `.nimbus/buckets/<bucket>/`; creating or deleting
// a file in it fires the matching storage triggers with the S3 event notification.

import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { toNimbusError } from '../../shared/errors';
import { storageEvent } from '../../shared/events';
import type { StorageEventName, StorageTrigger } from '../../shared/manifest/model';
import type { ControlRoute, EventSource, EventSourceModule, SourceHost, SourceTiming, TriggerBinding } from './source';

export interface BucketDescription {
  bucket: string;
  /** Absolute folder to drop files in. */
  folder: string;
  functions: { function: string; events: StorageEventName[]; prefix?: string; suffix?: string }[];
}

export function bucketFolder(root: string, bucket: string): string {
  return join(root, '.nimbus', 'buckets', bucket);
}

export class StorageSource implements EventSource<StorageTrigger> {
  readonly type = 'storage';
  private bindings: readonly TriggerBinding<StorageTrigger>[] = [];
  private readonly watchers = new Map<string, BucketWatcher>();

  constructor(private readonly host: SourceHost) {}

  async configure(bindings: readonly TriggerBinding<StorageTrigger>[]): Promise<void> {
    this.bindings = bindings;
    const buckets = new Set(bindings.map((binding) => binding.trigger.bucket));
    for (const [bucket, watcher] of this.watchers) {
      if (buckets.has(bucket)) continue;
      watcher.dispose();
      this.watchers.delete(bucket);
    }
    for (const bucket of buckets) {
      if (this.watchers.has(bucket)) continue;
      const watcher = new BucketWatcher(bucketFolder(this.host.root, bucket), this.host.timing, (key, eventName, size) =>
        this.dispatch(bucket, key, eventName, size),
      );
      this.watchers.set(bucket, watcher);
      try {
        await watcher.start();
      } catch (error) {
        this.host.logger.error(`Bucket ${bucket} is not watched: ${toNimbusError(error).message}`);
      }
    }
  }

  describe(): BucketDescription[] {
    return [...this.watchers.keys()].map((bucket) => ({
      bucket,
      folder: bucketFolder(this.host.root, bucket),
      functions: this.bindings
        .filter((binding) => binding.trigger.bucket === bucket)
        .map(({ function: fn, trigger }) => ({
          function: fn.name,
          events: trigger.events,
          ...(trigger.prefix ? { prefix: trigger.prefix } : {}),
          ...(trigger.suffix ? { suffix: trigger.suffix } : {}),
        })),
    }));
  }

  controlRoutes(): ControlRoute[] {
    return [];
  }

  private dispatch(bucket: string, key: string, eventName: StorageEventName, size?: number): void {
    for (const { function: fn, trigger } of this.bindings) {
      if (trigger.bucket !== bucket || !trigger.events.includes(eventName)) continue;
      if (trigger.prefix && !key.startsWith(trigger.prefix)) continue;
      if (trigger.suffix && !key.endsWith(trigger.suffix)) continue;
      const event = storageEvent({ bucket, key, size, eventName });
      this.host.invoke(fn, event, `storage ${eventName} ${bucket}/${key}`).catch((error: unknown) => {
        this.host.logger.error(`${fn.name} could not run for ${bucket}/${key}: ${toNimbusError(error).message}`);
      });
    }
  }

  dispose(): void {
    for (const watcher of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
  }
}

interface FileState {
  size: number;
  mtimeMs: number;
}

/**
 * Turns the file system events of one bucket folder into created/deleted object events: debounced per path, created
 * only once the size holds still (no partial writes), deleted only for files it saw before.
 */
export class BucketWatcher {
  /** Object key (posix path below the folder) → what it looked like when last reported; S3 deletions carry no size. */
  private readonly known = new Map<string, FileState>();
  private readonly debounceTimers = new Map<string, NodeJS.Timeout>();
  /** Keys being looked at, and whether another event came meanwhile. */
  private readonly settling = new Map<string, boolean>();
  private watcher?: FSWatcher;
  private disposed = false;

  constructor(
    private readonly folder: string,
    private readonly timing: SourceTiming,
    private readonly onObject: (key: string, eventName: StorageEventName, size?: number) => void,
  ) {}

  async start(): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    // Watch first, then list what is there: a file written in between is still seen by the watcher.
    this.watcher = watch(this.folder, { recursive: true }, (_eventType, filename) => {
      if (filename) this.touch(filename.split(sep).join('/'));
    });
    this.watcher.on('error', () => undefined);
    for (const [key, state] of await this.listFiles(this.folder)) this.known.set(key, state);
  }

  private touch(key: string): void {
    if (this.disposed) return;
    clearTimeout(this.debounceTimers.get(key));
    this.debounceTimers.set(
      key,
      setTimeout(() => {
        this.debounceTimers.delete(key);
        void this.settle(key);
      }, this.timing.fileDebounceMs),
    );
  }

  private async settle(key: string): Promise<void> {
    if (this.settling.has(key)) {
      this.settling.set(key, true);
      return;
    }
    this.settling.set(key, false);
    try {
      await this.look(key);
    } finally {
      const again = this.settling.get(key);
      this.settling.delete(key);
      if (again && !this.disposed) void this.settle(key);
    }
  }

  private async look(key: string): Promise<void> {
    const path = join(this.folder, key);
    let current = await stateOf(path);
    if (current === 'directory') {
      // A folder moved in (or created with files) reports only itself: look at every file in it.
      for (const fileKey of (await this.listFiles(path)).keys()) this.touch(`${key}/${fileKey}`);
      return;
    }
    while (current && current !== 'directory' && !this.disposed) {
      await delay(this.timing.fileStableMs);
      const next = await stateOf(path);
      if (next && next !== 'directory' && next.size === current.size && next.mtimeMs === current.mtimeMs) break;
      current = next;
    }
    if (this.disposed) return;
    if (!current || current === 'directory') {
      this.removeUnder(key);
      return;
    }
    const previous = this.known.get(key);
    if (previous && previous.size === current.size && previous.mtimeMs === current.mtimeMs) return;
    this.known.set(key, current);
    this.onObject(key, 'created', current.size);
  }

  /** A deleted path may be a file or a whole folder of files. */
  private removeUnder(key: string): void {
    for (const knownKey of [...this.known.keys()]) {
      if (knownKey !== key && !knownKey.startsWith(`${key}/`)) continue;
      this.known.delete(knownKey);
      this.onObject(knownKey, 'deleted');
    }
  }

  private async listFiles(folder: string): Promise<Map<string, FileState>> {
    const files = new Map<string, FileState>();
    let entries: string[];
    try {
      entries = await readdir(folder, { recursive: true });
    } catch {
      return files;
    }
    for (const entry of entries) {
      const state = await stateOf(join(folder, entry));
      if (state && state !== 'directory') files.set(relative(folder, join(folder, entry)).split(sep).join('/'), state);
    }
    return files;
  }

  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    for (const timer of this.debounceTimers.values()) clearTimeout(timer);
    this.debounceTimers.clear();
  }
}

async function stateOf(path: string): Promise<FileState | 'directory' | undefined> {
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) return 'directory';
    return stats.isFile() ? { size: stats.size, mtimeMs: stats.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const storageSource: EventSourceModule<StorageTrigger, StorageSource> = {
  type: 'storage',
  create: (host) => new StorageSource(host),
};
