// CLI layer: `nimbus init` — creates a function project (manifest, handler, a saved test event) that runs at once.

import { access, mkdir, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { NimbusError } from '../../shared/errors';
import { eventTemplate } from '../../shared/events';
import { parseManifest } from '../../shared/manifest';
import type { TriggerType } from '../../shared/manifest/model';
import type { CliCommand } from '../command';
import { triggerTypeArgument } from '../triggerType';

const usage = `nimbus init [dir] [--template http|storage|queue|schedule] [--ts]

Creates a function project in [dir] (default: the working folder): nimbus.yaml, a handler
and a saved test event under .nimbus/events/<function>/. Existing files are never overwritten.

Options:
  --template TRIGGER  the trigger of the first function (default: http)
  --ts                write the handler in TypeScript (default: JavaScript)
`;

const triggerLines: Record<TriggerType, string> = {
  http: 'http: { method: GET, path: /hello/{name} }',
  storage: 'storage: { bucket: uploads, events: [created], prefix: incoming/ }',
  queue: 'queue: { topic: jobs, batchSize: 10, maxRetries: 3 }',
  schedule: 'schedule: { cron: "0 * * * *" }',
};

const handlerBodies: Record<TriggerType, { ts: string; js: string }> = {
  http: {
    ts: `export async function handler(event: { pathParameters?: Record<string, string> }) {
  const name = event.pathParameters?.name ?? 'world';
  console.log(\`greeting \${name}\`);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: \`Hello, \${name}!\` }) };
}
`,
    js: `exports.handler = async (event) => {
  const name = (event.pathParameters && event.pathParameters.name) || 'world';
  console.log(\`greeting \${name}\`);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: \`Hello, \${name}!\` }) };
};
`,
  },
  storage: {
    ts: `export async function handler(event: { Records: { s3: { bucket: { name: string }; object: { key: string; size: number } } }[] }) {
  for (const record of event.Records) {
    console.log(\`new object \${record.s3.bucket.name}/\${record.s3.object.key} (\${record.s3.object.size} bytes)\`);
  }
  return { processed: event.Records.length };
}
`,
    js: `exports.handler = async (event) => {
  for (const record of event.Records) {
    console.log(\`new object \${record.s3.bucket.name}/\${record.s3.object.key} (\${record.s3.object.size} bytes)\`);
  }
  return { processed: event.Records.length };
};
`,
  },
  queue: {
    ts: `export async function handler(event: { Records: { messageId: string; body: string }[] }) {
  for (const record of event.Records) {
    console.log(\`message \${record.messageId}: \${record.body}\`);
  }
  return { processed: event.Records.length };
}
`,
    js: `exports.handler = async (event) => {
  for (const record of event.Records) {
    console.log(\`message \${record.messageId}: \${record.body}\`);
  }
  return { processed: event.Records.length };
};
`,
  },
  schedule: {
    ts: `export async function handler(event: { time: string }) {
  console.log(\`scheduled run at \${event.time}\`);
  return { ranAt: event.time };
}
`,
    js: `exports.handler = async (event) => {
  console.log(\`scheduled run at \${event.time}\`);
  return { ranAt: event.time };
};
`,
  },
};

const functionNames: Record<TriggerType, string> = { http: 'hello', storage: 'ingest', queue: 'worker', schedule: 'cleanup' };

export const initCommand: CliCommand = {
  name: 'init',
  summary: 'Create a function project: nimbus.yaml, a handler and a saved test event',
  usage,
  positionals: [0, 1],
  options: { template: { type: 'string' }, ts: { type: 'boolean' } },
  async run({ values, positionals }, io) {
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    const trigger = triggerTypeArgument(values.template ?? 'http', 'nimbus init: --template');
    const typescript = values.ts === true;
    const name = functionNames[trigger];
    const handlerPath = `src/${name}.${typescript ? 'ts' : 'js'}`;
    const manifestText =
      `# nimbus.yaml — functions, their limits and their triggers. Run \`nimbus --help\` to get going.\n` +
      `service: ${basename(dir).replace(/[^A-Za-z0-9-]/g, '-') || 'my-service'}\n` +
      `defaults: { runtime: node20, memory: 256, timeout: 10 }\n` +
      `functions:\n` +
      `  ${name}:\n` +
      `    handler: src/${name}.handler\n` +
      `    triggers:\n` +
      `      - ${triggerLines[trigger]}\n`;
    const manifestFile = join(dir, 'nimbus.yaml');
    const { manifest, diagnostics } = parseManifest(manifestText, manifestFile);
    if (!manifest || diagnostics.some((diagnostic) => diagnostic.severity === 'error')) {
      throw new NimbusError('INTERNAL', `the ${trigger} project template is invalid: ${diagnostics.map((d) => d.message).join('; ')}`, { user: false });
    }
    const event = eventTemplate(manifest.functions[0], trigger);
    const files: [string, string][] = [
      ['nimbus.yaml', manifestText],
      [handlerPath, handlerBodies[trigger][typescript ? 'ts' : 'js']],
      [`.nimbus/events/${name}/sample.json`, JSON.stringify(event, null, 2) + '\n'],
      ['.gitignore', '.nimbus/cache/\n.nimbus/backend/\n.nimbus/buckets/\nnode_modules/\n'],
    ];
    if (await access(manifestFile).then(() => true, () => false)) {
      throw new NimbusError('USAGE', `nimbus init: ${join(dir, 'nimbus.yaml')} already exists; nothing was changed. Edit it, or init another folder.`);
    }
    const written: string[] = [];
    for (const [path, text] of files) {
      const file = join(dir, path);
      await mkdir(join(file, '..'), { recursive: true });
      try {
        await writeFile(file, text, { flag: 'wx' });
        written.push(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        io.stderr.write(`kept existing ${path}\n`);
      }
    }
    const where = relative(io.cwd, dir) || '.';
    // Quoted for a shell when it needs to be; the comments line up whatever the function's name.
    const cd = /^[\w./-]+$/.test(where) ? where : `'${where.replace(/'/g, `'\\''`)}'`;
    const steps: [string, string][] = [
      [`nimbus invoke ${name} --event sample`, 'run it once with the saved event'],
      ['nimbus serve', 'run every trigger locally'],
    ];
    const width = Math.max(...steps.map(([command]) => command.length));
    io.stderr.write(
      `created ${written.join(', ')} in ${where}\n\n` +
        `next:\n` +
        (where === '.' ? '' : `  cd ${cd}\n`) +
        steps.map(([command, comment]) => `  ${command.padEnd(width)}   # ${comment}\n`).join(''),
    );
    return 0;
  },
};
