// Extension model (no 'vscode'): how the Deployed Functions view shows what a backend holds — version, triggers with
// their URLs, recent invocations and metrics.

import type { DeployedTrigger, FunctionMetrics, FunctionSummary, StoredLogLine } from '../../shared/backendApi';
import type { RowPresentation } from './localTree';
import { triggerIcons } from './localTree';

export function presentDeployedFunction(summary: FunctionSummary): RowPresentation {
  return {
    label: summary.name,
    description: `v${summary.version} · ${summary.memory} MB`,
    tooltip: `${summary.name} version ${summary.version}, updated ${summary.updatedAt}${summary.url ? `\n${summary.url}` : ''}`,
    icon: 'cloud',
    contextValue: summary.url ? 'nimbus.deployedFunction.http' : 'nimbus.deployedFunction',
  };
}

/** The public URL a backend serves an HTTP trigger at (DESIGN §6: `ANY /fn/{route...}`). */
export function triggerUrl(backendUrl: string, trigger: DeployedTrigger): string | undefined {
  if (trigger.type !== 'http') return undefined;
  return `${backendUrl.replace(/\/+$/, '')}/fn${trigger.path}`;
}

export function presentDeployedTrigger(trigger: DeployedTrigger, backendUrl: string): RowPresentation & { url?: string } {
  const url = triggerUrl(backendUrl, trigger);
  switch (trigger.type) {
    case 'http':
      return {
        label: `${trigger.method} ${trigger.path}`,
        description: url,
        tooltip: `Open or copy ${url}`,
        icon: triggerIcons.http,
        contextValue: 'nimbus.deployedTrigger.http',
        url,
      };
    case 'storage':
      return { label: trigger.bucket, description: 'storage', tooltip: `Bucket "${trigger.bucket}"`, icon: triggerIcons.storage, contextValue: 'nimbus.deployedTrigger' };
    case 'queue':
      return { label: trigger.topic, description: 'queue', tooltip: `Topic "${trigger.topic}"`, icon: triggerIcons.queue, contextValue: 'nimbus.deployedTrigger' };
    case 'schedule':
      return { label: trigger.cron, description: 'schedule', tooltip: `Cron "${trigger.cron}"`, icon: triggerIcons.schedule, contextValue: 'nimbus.deployedTrigger' };
  }
}

export interface RecentInvocation {
  requestId: string;
  time: string;
  failed: boolean;
  durationMs?: number;
  coldStart: boolean;
}

/**
 * Recent invocations as read from a function's stored log lines: each invocation ends with its REPORT line, which
 * carries the duration and, on a cold start, the init duration. Newest first.
 */
export function recentInvocations(lines: readonly StoredLogLine[], limit = 5): RecentInvocation[] {
  const byRequest = new Map<string, RecentInvocation>();
  for (const line of lines) {
    const entry = byRequest.get(line.requestId) ?? { requestId: line.requestId, time: line.time, failed: false, coldStart: false };
    entry.time = line.time;
    if (line.level === 'error') entry.failed = true;
    const report = /^REPORT RequestId: \S+ Duration: ([\d.]+) ms/.exec(line.message);
    if (report) {
      entry.durationMs = Number(report[1]);
      entry.coldStart = line.message.includes('Init Duration:');
    }
    byRequest.set(line.requestId, entry);
  }
  return [...byRequest.values()].sort((left, right) => right.time.localeCompare(left.time)).slice(0, limit);
}

export function presentInvocation(invocation: RecentInvocation): RowPresentation {
  const duration = invocation.durationMs === undefined ? 'running' : `${invocation.durationMs.toFixed(1)} ms`;
  return {
    label: invocation.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    description: `${invocation.failed ? 'error' : 'ok'} · ${duration} · ${invocation.coldStart ? 'cold' : 'warm'}`,
    tooltip: `Request ${invocation.requestId}`,
    icon: invocation.failed ? 'error' : 'pass',
    contextValue: 'nimbus.invocation',
  };
}

export function presentMetrics(metrics: FunctionMetrics): RowPresentation {
  return {
    label: 'Metrics',
    description: `${metrics.invocations} calls · ${metrics.errors} errors · p95 ${metrics.p95Ms.toFixed(1)} ms`,
    tooltip:
      `invocations ${metrics.invocations}, errors ${metrics.errors}, cold starts ${metrics.coldStarts}\n` +
      `p50 ${metrics.p50Ms.toFixed(1)} ms, p95 ${metrics.p95Ms.toFixed(1)} ms, p99 ${metrics.p99Ms.toFixed(1)} ms\n` +
      `${metrics.gbSeconds.toFixed(4)} GB-s ≈ $${metrics.estimatedCostUsd.toFixed(6)}`,
    icon: 'graph',
    contextValue: 'nimbus.metrics',
  };
}
