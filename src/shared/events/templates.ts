// Shared layer: sample events for a function's triggers — what `nimbus events generate`, the Test Events panel and `--template` use.
import type { FunctionSpec, HttpTrigger, QueueTrigger, StorageTrigger, TriggerType } from '../manifest/model';
import { stableUuid } from './encoding';
import { httpEvent } from './http';
import { queueEvent } from './queue';
import { scheduleEvent, scheduleRuleName } from './schedule';
import { storageEvent } from './storage';
import type { ApiGatewayV2Event, S3Event, ScheduledEvent, SqsEvent } from './types';

export { nextFireTimes } from './schedule';

/** Every sample event carries this time and ids derived from the function, so output is stable (golden files, diffs). */
export const sampleTime = new Date('2025-01-15T12:00:00.000Z');

const sampleBody = { message: 'Hello from Nimbus' };

/** What a template needs of a function: its name and triggers (a manifest's function, or a deployed one). */
export type TemplateSource = Pick<FunctionSpec, 'name' | 'triggers'>;

export function eventTemplate(fn: TemplateSource, type: 'http'): ApiGatewayV2Event;
export function eventTemplate(fn: TemplateSource, type: 'storage'): S3Event;
export function eventTemplate(fn: TemplateSource, type: 'queue'): SqsEvent;
export function eventTemplate(fn: TemplateSource, type: 'schedule'): ScheduledEvent;
export function eventTemplate(fn: TemplateSource, type: TriggerType): unknown;
export function eventTemplate(fn: TemplateSource, type: TriggerType): unknown {
  switch (type) {
    case 'http':
      return httpTemplate(fn, fn.triggers.find((trigger): trigger is HttpTrigger => trigger.type === 'http'));
    case 'storage':
      return storageTemplate(fn.triggers.find((trigger): trigger is StorageTrigger => trigger.type === 'storage'));
    case 'queue':
      return queueTemplate(fn, fn.triggers.find((trigger): trigger is QueueTrigger => trigger.type === 'queue'));
    case 'schedule':
      // The first schedule trigger's rule name; a function without one gets the same name, so the event reads as its own.
      return scheduleEvent({ ruleName: scheduleRuleName(fn.name, 0), time: sampleTime, id: stableUuid(`schedule:${fn.name}`) });
  }
}

/** A plausible value for a path parameter: ids get a number, a greedy tail gets two segments. */
function sampleParameter(name: string, greedy: boolean): string {
  if (greedy) return 'sample/path';
  return /id$/i.test(name) ? '123' : `sample-${name}`;
}

function httpTemplate(fn: TemplateSource, trigger: HttpTrigger | undefined): ApiGatewayV2Event {
  // ANY routes get a GET sample: the simplest request that reaches them.
  const method = !trigger || trigger.method === 'ANY' ? 'GET' : trigger.method;
  const pathParameters: Record<string, string> = {};
  const path = trigger
    ? trigger.path.replace(/\{([^}+]+)(\+?)\}/g, (_match, name: string, greedy: string) => {
        pathParameters[name] = sampleParameter(name, greedy === '+');
        return pathParameters[name];
      })
    : '/';
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const headers: Record<string, string> = {
    accept: 'application/json',
    host: 'localhost:7070',
    'user-agent': 'nimbus',
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
  };
  return httpEvent({
    method,
    path,
    rawQueryString: '',
    headers,
    ...(hasBody ? { body: JSON.stringify(sampleBody) } : {}),
    routeKey: trigger ? `${trigger.method} ${trigger.path}` : '$default',
    pathParameters,
    requestId: stableUuid(`http:${fn.name}`),
    time: sampleTime,
    domainName: 'localhost',
  });
}

function storageTemplate(trigger: StorageTrigger | undefined): S3Event {
  const key = `${trigger?.prefix ?? ''}sample${trigger?.suffix ?? '.txt'}`;
  return storageEvent({
    bucket: trigger?.bucket ?? 'sample-bucket',
    key,
    size: 1024,
    eventName: trigger?.events[0] ?? 'created',
    time: sampleTime,
  });
}

function queueTemplate(fn: TemplateSource, trigger: QueueTrigger | undefined): SqsEvent {
  return queueEvent(trigger?.topic ?? 'sample-topic', [
    { messageId: stableUuid(`queue:${fn.name}`), body: JSON.stringify(sampleBody), sentAt: sampleTime },
  ]);
}
