// Backend layer: buckets. Objects are stored under the data dir; storing one fires `created` and deleting one fires
// `deleted` on every function whose storage trigger matches the bucket, event, prefix and suffix.

import { storageEvent } from '../../shared/events';
import type { Logger } from '../../shared/logger';
import type { StorageEventName } from '../../shared/manifest/model';
import type { ObjectInfo } from '../../shared/backendApi';
import type { FunctionHost } from '../functionHost';
import type { ObjectStore } from '../objectStore';

export class BucketNotifier {
  /** Notifications being delivered, so shutdown can wait for them. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly host: FunctionHost,
    private readonly objects: ObjectStore,
    private readonly logger: Logger,
  ) {}

  async put(bucket: string, key: string, content: Buffer): Promise<ObjectInfo> {
    const info = await this.objects.put(bucket, key, content);
    this.notify(bucket, key, info.size, 'created');
    return info;
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    const deleted = await this.objects.delete(bucket, key);
    if (deleted) this.notify(bucket, key, 0, 'deleted');
    return deleted;
  }

  get(bucket: string, key: string): Promise<Buffer> {
    return this.objects.get(bucket, key);
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Like S3 notifications: fired after the object is stored, delivered asynchronously. */
  private notify(bucket: string, key: string, size: number, eventName: StorageEventName): void {
    for (const deployed of this.host.functions()) {
      const matches = deployed.config.triggers.some(
        (trigger) =>
          trigger.type === 'storage' &&
          trigger.bucket === bucket &&
          trigger.events.includes(eventName) &&
          key.startsWith(trigger.prefix ?? '') &&
          key.endsWith(trigger.suffix ?? ''),
      );
      if (!matches) continue;
      const delivery = this.host
        .invoke(deployed.name, storageEvent({ bucket, key, size, eventName }), 'storage')
        .then((response) => {
          if (response.error) this.logger.warn('storage-triggered invocation failed', { function: deployed.name, key, error: response.error.errorMessage });
        })
        .catch((error: unknown) => this.logger.warn('storage-triggered invocation could not run', { function: deployed.name, key, error: String(error) }))
        .finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }
}
