// Unit tests of the schedule event source: "fire now" through the control API and a real cron firing on time.

import assert from 'node:assert/strict';
import { scheduleRuleArn } from '../../../src/shared/events';
import type { InvocationResult } from '../../../src/shared/invocation';
import { next, serve, type ServedProject } from './project';

const report = `exports.handler = async (event) => ({ source: event.source, detailType: event['detail-type'], resources: event.resources });`;

describe('schedule source', function () {
  this.timeout(20_000);

  describe('fire now', () => {
    let project: ServedProject;

    before(async () => {
      project = await serve({
        'nimbus.yaml': `functions:\n  report:\n    handler: report.handler\n    triggers:\n      - schedule: { cron: "0 9 1 1 *" }\n`,
        'report.js': report,
      });
    });

    after(async () => {
      await project?.dispose();
    });

    it('fires a schedule now with the EventBridge scheduled event and returns the InvocationResult', async () => {
      const response = await fetch(`${project.url}/_nimbus/schedules/report/fire`, { method: 'POST' });
      assert.equal(response.status, 200);
      const result = (await response.json()) as InvocationResult;
      assert.deepEqual(result.result, {
        source: 'aws.events',
        detailType: 'Scheduled Event',
        resources: [scheduleRuleArn('report-schedule')],
      });
    });

    it('lists the schedule with its next fire times, read in UTC', async () => {
      const [schedule] = project.gateway.describe().schedules;
      assert.equal(schedule?.cron, '0 9 1 1 *');
      assert.equal(schedule?.next.length, 3);
      assert.match(schedule!.next[0]!, /^\d{4}-01-01T09:00:00\.000Z$/);
      assert.ok(Date.parse(schedule!.next[0]!) > Date.now());
    });

    it('answers 404 for a function without a schedule', async () => {
      const response = await fetch(`${project.url}/_nimbus/schedules/nobody/fire`, { method: 'POST' });
      assert.equal(response.status, 404);
      assert.match(((await response.json()) as { error: { message: string } }).error.message, /functions with a schedule: report/);
    });
  });

  describe('on time', () => {
    let project: ServedProject;

    after(async () => {
      await project?.dispose();
    });

    it('fires a cron with a seconds field by itself', async () => {
      project = await serve({
        'nimbus.yaml': `functions:\n  ticker:\n    handler: report.handler\n    triggers:\n      - schedule: { cron: "* * * * * *" }\n`,
        'report.js': report,
      });
      const fired = await next(project.gateway.onDidInvoke, (invocation) => invocation.origin.endsWith('(cron)'), 5000);
      assert.equal(fired.result.functionName, 'ticker');
      assert.equal((fired.result.result as { detailType: string }).detailType, 'Scheduled Event');
    });
  });
});
