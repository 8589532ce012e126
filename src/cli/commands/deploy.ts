// CLI layer: `nimbus deploy` — bundle each function, pack it, upload it to the backend, print its URLs.

import { join } from 'node:path';
import { createExecutor } from '../../executor';
import { packageFunction } from '../../client';
import { functionByName } from '../../shared/manifest';
import type { CliCommand } from '../command';
import { loadManifestOption } from '../manifestOption';
import { backendClient, backendConnectionHelp, backendConnectionOptions } from '../backendConnection';

export const deployCommand: CliCommand = {
  name: 'deploy',
  summary: 'Bundle functions and deploy them to the Nimbus backend',
  usage: `nimbus deploy [function...] [--backend URL] [--token TOKEN] [--manifest FILE]

Bundles each named function (default: every function in nimbus.yaml), uploads it to the backend as a new
version and prints its URLs on stdout. Re-deploying unchanged code changes nothing. Progress goes to stderr.

Options:
${backendConnectionHelp}
  --manifest FILE  nimbus.yaml to use (default: the nearest one above the working folder)
`,
  options: {
    ...backendConnectionOptions,
    manifest: { type: 'string' },
  },
  positionals: [0, Number.POSITIVE_INFINITY],
  async run(args, io) {
    const manifest = await loadManifestOption(args.values.manifest, io.cwd);
    const functions = args.positionals.length > 0 ? args.positionals.map((name) => functionByName(manifest, name)) : manifest.functions;
    const client = backendClient(args.values, io);
    // Fail fast on an unreachable backend before spending time on bundles.
    await client.health();
    const executor = createExecutor({ cacheDir: join(manifest.root, '.nimbus', 'cache') });
    try {
      for (const fn of functions) {
        const started = performance.now();
        io.stderr.write(`Bundling ${fn.name}…\n`);
        const artifact = await packageFunction(manifest, fn, executor);
        io.stderr.write(`Uploading ${fn.name} (${(artifact.tarball.length / 1024).toFixed(1)} KiB, sha256 ${artifact.sha256.slice(0, 12)})…\n`);
        const deployed = await client.deploy(fn.name, artifact.tarball, artifact.sha256);
        const elapsed = Math.round(performance.now() - started);
        io.stderr.write(
          deployed.unchanged
            ? `${fn.name} is unchanged: version ${deployed.version} keeps serving (${elapsed} ms)\n`
            : `Deployed ${fn.name} version ${deployed.version} in ${elapsed} ms\n`,
        );
        for (const url of deployed.urls) io.stdout.write(`${fn.name}\t${url}\n`);
      }
    } finally {
      await executor.dispose();
    }
    return 0;
  },
};
