// Executor layer: the simulated event sources the local gateway runs, one module per trigger type.

export { bindingsOf, configureFrom, defaultSourceTiming } from './source';
export type { ControlRequest, ControlRoute, EventSource, EventSourceModule, SourceHost, SourceTiming, TriggerBinding } from './source';
export { httpSource, HttpSource, type RouteDescription } from './http';
export { scheduleSource, ScheduleSource, type ScheduleDescription } from './schedule';
export { queueSource, QueueSource, type DeadLetter, type TopicDescription } from './queue';
export { storageSource, StorageSource, BucketWatcher, bucketFolder, type BucketDescription } from './storage';
