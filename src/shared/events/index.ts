// Shared layer: the public API of event shapes — AWS-compatible types, builders for each trigger, and sample templates.
export * from './types';
export { httpEvent, httpResponseFromResult, isBinaryContentType, formatRequestTime, type HttpEventInput, type HttpResponse } from './http';
export { storageEvent, encodeS3Key, decodeS3Key, type StorageEventInput } from './storage';
export { queueEvent, queueArn, type QueueMessageInput } from './queue';
export { scheduleEvent, scheduleRuleName, scheduleRuleArn, nextFireTimes, type ScheduleEventInput } from './schedule';
export { eventTemplate, sampleTime, type TemplateSource } from './templates';
export { base64Decode, base64Encode, md5Hex, stableUuid } from './encoding';
