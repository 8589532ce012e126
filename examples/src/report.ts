// Scheduled job: every five minutes, summarises the time window it covers.
import type { Context, ScheduledEvent } from './types';

export async function handler(event: ScheduledEvent, context: Context): Promise<{ window: string; rule: string }> {
  const end = new Date(event.time);
  const start = new Date(end.getTime() - 5 * 60 * 1000);
  console.log(`report for ${start.toISOString()} .. ${end.toISOString()}`);
  console.log(`time left: ${context.getRemainingTimeInMillis()} ms`);
  return { window: `${start.toISOString()}/${end.toISOString()}`, rule: event.resources[0] ?? 'manual' };
}
