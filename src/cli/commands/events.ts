// CLI layer: `nimbus events generate` — prints the template event of a trigger type in its AWS shape.

import { eventTemplate } from '../../shared/events';
import { findManifest, functionByName, loadManifest } from '../../shared/manifest';
import { builtinDefaults, type FunctionSpec } from '../../shared/manifest/model';
import type { CliCommand } from '../command';
import { manifestPathFrom } from '../manifestOption';
import { triggerTypeArgument } from '../triggerType';

const usage = `nimbus events generate <http|storage|queue|schedule> [--function NAME] [--manifest FILE]

Prints a test event of the trigger type as JSON on stdout, in the AWS shape Nimbus delivers
(API Gateway HTTP v2, S3 notification, SQS batch, EventBridge schedule). With --function, the
event is filled from that function's trigger in nimbus.yaml (route, bucket and key, topic, rule).
Save it under .nimbus/events/<function>/<name>.json to keep it with the project.
`;

/** A function with no triggers, for templates asked for without a manifest. */
function genericFunction(): FunctionSpec {
  return {
    name: 'function',
    handler: 'index.handler',
    handlerFile: 'index.js',
    handlerExport: 'handler',
    ...builtinDefaults,
    env: {},
    network: false,
    triggers: [],
  };
}

export const eventsGenerateCommand: CliCommand = {
  name: 'events generate',
  summary: 'Print a template event for a trigger type (http, storage, queue, schedule)',
  usage,
  positionals: [1, 1],
  options: { function: { type: 'string' }, manifest: { type: 'string' } },
  async run({ values, positionals }, io) {
    const type = triggerTypeArgument(positionals[0], 'nimbus events generate');
    let fn = genericFunction();
    if (typeof values.function === 'string') {
      fn = functionByName(await loadManifest(await manifestPathFrom(values.manifest, io.cwd)), values.function);
    } else if (typeof values.manifest === 'string' || (await findManifest(io.cwd))) {
      // Without --function, still fill from the only function that has this trigger, if exactly one does.
      const manifest = await loadManifest(await manifestPathFrom(values.manifest, io.cwd)).catch(() => undefined);
      const candidates = manifest?.functions.filter((candidate) => candidate.triggers.some((trigger) => trigger.type === type)) ?? [];
      if (candidates.length === 1) fn = candidates[0];
    }
    io.stdout.write(JSON.stringify(eventTemplate(fn, type), null, 2) + '\n');
    return 0;
  },
};
