// Extension model (no 'vscode'): how the Local Functions view shows manifests, functions and triggers — pure, so
// plain mocha tests it.

import type { FunctionSpec, Manifest, Trigger } from '../../shared/manifest/model';

/** What a tree row shows; the view turns it into a vscode.TreeItem. */
export interface RowPresentation {
  label: string;
  description?: string;
  tooltip: string;
  /** A codicon id (ThemeIcon). */
  icon: string;
  /** The `viewItem` context key, which menus in package.json match. */
  contextValue: string;
}

/** Next fire time of a cron expression, or undefined when it never fires; a seam so tests control the clock. */
export type NextFireTime = (cron: string, timezone: string | undefined) => Date | undefined;

export const triggerIcons: Record<Trigger['type'], string> = {
  http: 'globe',
  storage: 'archive',
  queue: 'list-unordered',
  schedule: 'watch',
};

export function presentManifest(manifest: Manifest, workspaceRelativePath: string): RowPresentation {
  return {
    label: manifest.service,
    description: workspaceRelativePath,
    tooltip: `${manifest.path}\n${manifest.functions.length} function(s)`,
    icon: 'file-code',
    contextValue: 'nimbus.manifest',
  };
}

export function presentFunction(fn: FunctionSpec): RowPresentation {
  const kinds = [...new Set(fn.triggers.map((trigger) => trigger.type))];
  const details = [`${fn.memory} MB`, `${fn.timeout} s`, ...kinds];
  return {
    label: fn.name,
    description: details.join(' · '),
    tooltip: [
      fn.description,
      `handler: ${fn.handler}`,
      `memory ${fn.memory} MB, timeout ${fn.timeout} s, concurrency ${fn.concurrency}${fn.instanceConcurrency > 1 ? ` × ${fn.instanceConcurrency} per instance` : ''}`,
    ]
      .filter(Boolean)
      .join('\n'),
    icon: 'symbol-function',
    contextValue: 'nimbus.localFunction',
  };
}

export function presentTrigger(trigger: Trigger, nextFireTime: NextFireTime, timeZoneLabel = 'UTC'): RowPresentation {
  const icon = triggerIcons[trigger.type];
  const contextValue = `nimbus.trigger.${trigger.type}`;
  switch (trigger.type) {
    case 'http':
      return {
        label: `${trigger.method} ${trigger.path}`,
        description: trigger.auth === 'token' ? 'http · token' : 'http',
        tooltip: `HTTP ${trigger.method} ${trigger.path} (auth: ${trigger.auth})`,
        icon,
        contextValue,
      };
    case 'storage': {
      const filter = `${trigger.prefix ?? ''}*${trigger.suffix ?? ''}`;
      return {
        label: trigger.bucket,
        description: `storage · ${trigger.events.join(', ')} · ${filter}`,
        tooltip: `Bucket "${trigger.bucket}", on ${trigger.events.join(' and ')} of keys matching ${filter}`,
        icon,
        contextValue,
      };
    }
    case 'queue':
      return {
        label: trigger.topic,
        description: `queue · batch ${trigger.batchSize} · ${trigger.maxRetries} retries`,
        tooltip: `Topic "${trigger.topic}", up to ${trigger.batchSize} message(s) per invocation, ${trigger.maxRetries} retries`,
        icon,
        contextValue,
      };
    case 'schedule': {
      const next = nextFireTime(trigger.cron, trigger.timezone);
      const zone = trigger.timezone ?? timeZoneLabel;
      return {
        label: trigger.cron,
        description: next ? `schedule · next ${formatClock(next, trigger.timezone)} ${zone}` : 'schedule · never fires',
        tooltip: next ? `Cron "${trigger.cron}" (${zone}); next run ${next.toISOString()}` : `Cron "${trigger.cron}" has no future run`,
        icon,
        contextValue,
      };
    }
  }
}

/** HH:MM in the trigger's zone (UTC when it names none). */
export function formatClock(date: Date, timezone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: timezone ?? 'UTC' }).format(date);
}

export function presentHandlerFile(fn: FunctionSpec, relativePath: string): RowPresentation {
  return {
    label: relativePath,
    description: `export ${fn.handlerExport}`,
    tooltip: fn.handlerFile,
    icon: 'go-to-file',
    contextValue: 'nimbus.handlerFile',
  };
}
