// Shared layer: EventBridge scheduled events and cron fire times for schedule triggers (DESIGN §3).
import { Cron } from 'croner';
import { randomUuid } from './encoding';
import { localAccountId, localRegion, type ScheduledEvent } from './types';

export interface ScheduleEventInput {
  ruleName: string;
  time?: Date;
  /** Event id; random when absent. */
  id?: string;
}

/** Rule name of a function's n-th (0-based) schedule trigger; the scheduler and templates agree on it through here. */
export function scheduleRuleName(functionName: string, scheduleIndex = 0): string {
  return scheduleIndex === 0 ? `${functionName}-schedule` : `${functionName}-schedule-${scheduleIndex + 1}`;
}

export function scheduleRuleArn(ruleName: string): string {
  return `arn:aws:events:${localRegion}:${localAccountId}:rule/${ruleName}`;
}

export function scheduleEvent(input: ScheduleEventInput): ScheduledEvent {
  const time = input.time ?? new Date();
  return {
    version: '0',
    id: input.id ?? randomUuid(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: localAccountId,
    // EventBridge writes whole seconds.
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: localRegion,
    resources: [scheduleRuleArn(input.ruleName)],
    detail: {},
  };
}

/** The next `count` times the cron fires after `from` (default now), read in `timezone` (default UTC). */
export function nextFireTimes(cron: string, count: number, timezone?: string, from?: Date): Date[] {
  const job = new Cron(cron, { paused: true, timezone: timezone ?? 'UTC' });
  return job.nextRuns(count, from ?? new Date());
}
