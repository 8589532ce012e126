// Backend layer: cron schedules of the active versions (croner), re-armed whenever the deployed functions change.

import { Cron } from 'croner';
import { scheduleEvent, scheduleRuleName } from '../../shared/events';
import type { IDisposable } from '../../shared/disposable';
import type { Logger } from '../../shared/logger';
import type { DeployedFunction, FunctionHost } from '../functionHost';

export class ScheduleRunner implements IDisposable {
  private jobs: Cron[] = [];
  private readonly subscription: IDisposable;

  constructor(
    private readonly host: FunctionHost,
    private readonly logger: Logger,
  ) {
    this.subscription = host.onDidChangeFunctions((functions) => this.arm(functions));
  }

  private arm(functions: readonly DeployedFunction[]): void {
    for (const job of this.jobs) job.stop();
    this.jobs = [];
    for (const deployed of functions) {
      const schedules = deployed.config.triggers.filter((trigger) => trigger.type === 'schedule');
      schedules.forEach((trigger, index) => {
        const ruleName = scheduleRuleName(deployed.name, index);
        // protect: a run still going when the next tick comes is not started twice.
        const job = new Cron(trigger.cron, { protect: true, timezone: trigger.timezone ?? 'UTC' }, async () => {
          try {
            const response = await this.host.invoke(deployed.name, scheduleEvent({ ruleName }), 'schedule');
            if (response.error) this.logger.warn('scheduled invocation failed', { function: deployed.name, error: response.error.errorMessage });
          } catch (error) {
            this.logger.warn('scheduled invocation could not run', { function: deployed.name, error: String(error) });
          }
        });
        this.jobs.push(job);
      });
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const job of this.jobs) job.stop();
    this.jobs = [];
  }
}
