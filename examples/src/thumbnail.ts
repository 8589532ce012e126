// File pipeline: runs when a .png lands under img/ in the "uploads" bucket and plans its thumbnail.
import type { Context, StorageEvent } from './types';

export interface Thumbnail {
  source: string;
  target: string;
  size: number;
  bytes: number;
}

export async function handler(event: StorageEvent, context: Context): Promise<Thumbnail[]> {
  const size = Number(process.env.SIZE ?? '128');
  const thumbnails = event.Records.map((record) => {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const target = key.replace(/^img\//, `thumbs/${size}/`);
    console.log(`${record.s3.bucket.name}/${key} (${record.s3.object.size} bytes) -> ${target}`);
    return { source: key, target, size, bytes: record.s3.object.size };
  });
  console.info(`planned ${thumbnails.length} thumbnail(s) in ${context.functionName}`);
  return thumbnails;
}
