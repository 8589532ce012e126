// Shared layer: builds S3 event notifications for storage triggers (DESIGN §3).
import { md5Hex, stableUuid } from './encoding';
import { localRegion, type S3Event } from './types';

export interface StorageEventInput {
  bucket: string;
  key: string;
  size?: number;
  eTag?: string;
  eventName: 'created' | 'deleted';
  time?: Date;
}

/** S3 URL-encodes keys in notifications like a form: '/' stays, spaces become '+', other unsafe bytes %XX. */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()~]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+'))
    .join('/');
}

/** The inverse Lambda code applies: decodeURIComponent(key.replace(/\+/g, ' ')). */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export function storageEvent(input: StorageEventInput): S3Event {
  const time = input.time ?? new Date();
  const created = input.eventName === 'created';
  // Ids derive from the change itself so the same change always yields the same event.
  const seed = `${input.bucket}/${input.key}@${time.getTime()}:${input.eventName}`;
  const requestId = md5Hex(seed).slice(0, 16).toUpperCase();
  const object = created
    ? { key: encodeS3Key(input.key), size: input.size ?? 0, eTag: input.eTag ?? md5Hex(''), sequencer: sequencerOf(time) }
    : { key: encodeS3Key(input.key), sequencer: sequencerOf(time) };
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: localRegion,
        eventTime: time.toISOString(),
        eventName: created ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
        userIdentity: { principalId: 'nimbus-local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': requestId, 'x-amz-id-2': stableUuid(seed) },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'nimbus',
          bucket: { name: input.bucket, ownerIdentity: { principalId: 'nimbus-local' }, arn: `arn:aws:s3:::${input.bucket}` },
          object,
        },
      },
    ],
  };
}

/** S3 sequencers order events for the same key; a hex timestamp in nanoseconds does that. */
function sequencerOf(time: Date): string {
  return (BigInt(time.getTime()) * 1_000_000n).toString(16).toUpperCase().padStart(18, '0');
}
