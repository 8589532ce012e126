// Executor layer: the schedule event source — fires schedule triggers on time (croner) and on demand ("fire now").

import { Cron } from 'croner';
import { NimbusError, toNimbusError } from '../../shared/errors';
import { scheduleEvent, scheduleRuleName } from '../../shared/events';
import type { InvocationResult } from '../../shared/invocation';
import type { ScheduleTrigger } from '../../shared/manifest/model';
import type { ControlRoute, EventSource, EventSourceModule, SourceHost, TriggerBinding } from './source';

export interface ScheduleDescription {
  function: string;
  cron: string;
  timezone?: string;
  ruleName: string;
  /** The next fire times, ISO-8601. */
  next: string[];
}

interface ScheduledJob {
  binding: TriggerBinding<ScheduleTrigger>;
  ruleName: string;
  cron: Cron;
}

export class ScheduleSource implements EventSource<ScheduleTrigger> {
  readonly type = 'schedule';
  private jobs: ScheduledJob[] = [];

  constructor(private readonly host: SourceHost) {}

  async configure(bindings: readonly TriggerBinding<ScheduleTrigger>[]): Promise<void> {
    this.stopAll();
    for (const binding of bindings) {
      const { function: fn, trigger, index } = binding;
      const ruleName = scheduleRuleName(fn.name, index);
      try {
        // The manifest reads a cron without a time zone as UTC, like EventBridge.
        const cron = new Cron(trigger.cron, { timezone: trigger.timezone ?? 'UTC' }, () => {
          this.fire(binding, ruleName, 'cron').catch(() => undefined);
        });
        this.jobs.push({ binding, ruleName, cron });
      } catch (error) {
        this.host.logger.warn(`The schedule "${trigger.cron}" of ${fn.name} is not running: ${toNimbusError(error).message}`);
      }
    }
  }

  describe(count = 3): ScheduleDescription[] {
    return this.jobs.map(({ binding, ruleName, cron }) => ({
      function: binding.function.name,
      cron: binding.trigger.cron,
      ...(binding.trigger.timezone ? { timezone: binding.trigger.timezone } : {}),
      ruleName,
      next: cron.nextRuns(count).map((date) => date.toISOString()),
    }));
  }

  /** Fires a function's schedule now, as its cron would; `index` picks among several schedules of one function. */
  fireNow(functionName: string, index = 0): Promise<InvocationResult> {
    const job = this.jobs.find((candidate) => candidate.binding.function.name === functionName && candidate.binding.index === index);
    if (!job) {
      const scheduled = [...new Set(this.jobs.map((candidate) => candidate.binding.function.name))];
      throw new NimbusError(
        'NOT_FOUND',
        `Function "${functionName}" has no schedule trigger #${index}; functions with a schedule: ${scheduled.join(', ') || 'none'}.`,
      );
    }
    return this.fire(job.binding, job.ruleName, 'fire now');
  }

  controlRoutes(): ControlRoute[] {
    return [
      {
        method: 'POST',
        path: '/schedules/{function}/fire',
        handle: (request) => {
          const body = request.json() as { index?: unknown } | undefined;
          const index = typeof body?.index === 'number' ? body.index : 0;
          return this.fireNow(request.pathParameters.function ?? '', index);
        },
      },
    ];
  }

  private async fire(binding: TriggerBinding<ScheduleTrigger>, ruleName: string, how: string): Promise<InvocationResult> {
    try {
      return await this.host.invoke(binding.function, scheduleEvent({ ruleName }), `schedule ${binding.trigger.cron} (${how})`);
    } catch (error) {
      this.host.logger.error(`Schedule ${ruleName} could not run ${binding.function.name}: ${toNimbusError(error).message}`);
      throw error;
    }
  }

  private stopAll(): void {
    for (const job of this.jobs) job.cron.stop();
    this.jobs = [];
  }

  dispose(): void {
    this.stopAll();
  }
}

export const scheduleSource: EventSourceModule<ScheduleTrigger, ScheduleSource> = {
  type: 'schedule',
  create: (host) => new ScheduleSource(host),
};
