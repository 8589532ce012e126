// Unit tests of the REPORT line and cost estimate (DESIGN §3).
import assert from 'node:assert/strict';
import { billedDuration, estimateCost, formatReport } from '../../../src/shared/invocation';

describe('invocation report', () => {
  it('formats the REPORT line with Init Duration only on a cold start', () => {
    const base = { requestId: 'r-1', durationMs: 12.345, billedMs: 13, memorySizeMB: 256, maxMemoryUsedMB: 41.2, costUsd: 0 };
    assert.equal(
      formatReport(base),
      'REPORT RequestId: r-1 Duration: 12.35 ms Billed Duration: 13 ms Memory Size: 256 MB Max Memory Used: 41 MB',
    );
    assert.match(formatReport({ ...base, initDurationMs: 85.1 }), / Init Duration: 85\.10 ms$/);
  });

  it('bills whole milliseconds, at least one', () => {
    assert.equal(billedDuration(0.2), 1);
    assert.equal(billedDuration(12.01), 13);
  });

  it('estimates cost per GB-second plus per request', () => {
    const cost = estimateCost(1000, 1024, { gbSecond: 1, request: 0.5 });
    assert.equal(cost, 1.5);
  });
});
