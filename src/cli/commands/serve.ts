// CLI layer: `nimbus serve` — runs the local gateway for a manifest with every trigger live until Ctrl-C.

import { dirname, join } from 'node:path';
import { createExecutor } from '../../executor/index';
import { defaultGatewayPort, Gateway, type GatewayDescription } from '../../executor/gateway';
import { NimbusError } from '../../shared/errors';
import { formatLogLine, formatReport } from '../../shared/invocation';
import { createLogger } from '../../shared/logger';
import type { CliCommand } from '../command';
import { manifestPathFrom } from '../manifestOption';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the local gateway: HTTP routes, schedules, queues and buckets, with hot reload',
  usage: [
    'nimbus serve [--port 7070] [--manifest FILE]',
    '',
    'Serves every function of the manifest on 127.0.0.1: HTTP triggers as routes, schedule triggers on time,',
    'queue topics and bucket folders (.nimbus/buckets/<bucket>/). Saving a handler or nimbus.yaml takes effect',
    'on the next event. A control API lives under /_nimbus/ (routes, publish, fire a schedule, invoke, events).',
    '',
    'Options:',
    `  --port N         port to listen on (default ${defaultGatewayPort}; 0 picks a free one)`,
    '  --manifest FILE  nimbus.yaml to serve (default: the nearest one from the current folder up)',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    manifest: { type: 'string' },
  },
  positionals: [0, 0],
  async run(args, io) {
    const port = parsePort(args.values.port);
    const manifestPath = await manifestPathFrom(args.values.manifest, io.cwd);
    const logger = createLogger({ write: (line) => io.stderr.write(line + '\n') });
    const executor = createExecutor({ cacheDir: join(dirname(manifestPath), '.nimbus', 'cache'), logger });
    const gateway = new Gateway({ manifestPath, executor, logger, port });
    try {
      gateway.onDidLog((line) => io.stderr.write(`[${line.functionName}] ${formatLogLine(line)}\n`));
      gateway.onDidInvoke(({ result }) => {
        if (result.error) io.stderr.write(`[${result.functionName}] ${result.error.errorType}: ${result.error.errorMessage}\n`);
        io.stderr.write(`[${result.functionName}] ${formatReport(result.report)}\n`);
      });
      if (io.signal.aborted) return 0;
      await gateway.start();
      io.stdout.write(formatGatewayDescription(gateway.describe()));
      await new Promise<void>((done) => {
        if (io.signal.aborted) done();
        else io.signal.addEventListener('abort', () => done(), { once: true });
      });
      io.stderr.write('Stopping…\n');
      return 0;
    } finally {
      await gateway.dispose();
      await executor.dispose();
    }
  },
};

function parsePort(value: unknown): number {
  if (value === undefined) return defaultGatewayPort;
  const port = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || port > 65535) {
    throw new NimbusError('USAGE', `--port must be a number from 0 to 65535, not '${String(value)}'.`);
  }
  return port;
}

/** What a developer needs to fire each trigger by hand, ready to copy. */
export function formatGatewayDescription(description: GatewayDescription): string {
  const { url } = description;
  const lines = [`Serving ${description.service} (${description.manifest}) at ${url}`, ''];
  if (description.routes.length) {
    lines.push('HTTP routes:');
    const methodWidth = Math.max(...description.routes.map((route) => route.method.length));
    const urlWidth = Math.max(...description.routes.map((route) => route.url.length));
    for (const route of description.routes) {
      lines.push(`  ${route.method.padEnd(methodWidth)}  ${route.url.padEnd(urlWidth)}  → ${route.function}`);
    }
    lines.push('');
  }
  if (description.schedules.length) {
    lines.push('Schedules:');
    for (const schedule of description.schedules) {
      const zone = schedule.timezone ? ` ${schedule.timezone}` : '';
      lines.push(`  ${schedule.cron}${zone}  → ${schedule.function}  next ${schedule.next[0] ?? 'never'}`);
      lines.push(`    fire now: curl -X POST ${url}/_nimbus/schedules/${schedule.function}/fire`);
    }
    lines.push('');
  }
  if (description.topics.length) {
    lines.push('Queue topics:');
    for (const topic of description.topics) {
      lines.push(`  ${topic.topic}  → ${topic.functions.map((subscription) => subscription.function).join(', ')}`);
      lines.push(`    publish: curl -X POST ${url}/_nimbus/queues/${topic.topic}/messages -H 'content-type: application/json' -d '{"hello":"world"}'`);
    }
    lines.push('');
  }
  if (description.buckets.length) {
    lines.push('Buckets (drop or delete files in the folder):');
    for (const bucket of description.buckets) {
      lines.push(`  ${bucket.bucket}  → ${bucket.functions.map((subscription) => subscription.function).join(', ')}`);
      lines.push(`    ${bucket.folder}`);
    }
    lines.push('');
  }
  lines.push(`Control API: ${url}/_nimbus/routes · live events: ${url}/_nimbus/events · Ctrl-C stops.`, '');
  return lines.join('\n');
}
