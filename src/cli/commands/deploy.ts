// CLI layer: `nimbus deploy` — bundle each function, pack it, upload it to the backend, print its URLs.

import { join } from 'node:path';
import { createExecutor, type Executor } from '../../executor';
import { packageFunction, type BackendClient } from '../../client';
import { isNimbusError, type ErrorCode } from '../../shared/errors';
import { functionByName } from '../../shared/manifest';
import type { FunctionSpec, Manifest } from '../../shared/manifest/model';
import type { CliCommand, CliIO } from '../command';
import { loadManifestOption } from '../manifestOption';
import { backendClient, backendConnectionHelp, backendConnectionOptions } from '../backendConnection';
import { reportError } from '../run';

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
    // A function with a broken handler fails alone (below), as any other failure of one function does.
    const manifest = await loadManifestOption(args.values.manifest, io.cwd, io.stderr, args.positionals);
    const functions = args.positionals.length > 0 ? args.positionals.map((name) => functionByName(manifest, name)) : manifest.functions;
    const client = backendClient(args.values, io);
    // Fail fast on an unreachable backend before spending time on bundles.
    await client.health();
    const executor = createExecutor({ cacheDir: join(manifest.root, '.nimbus', 'cache') });
    const failed: string[] = [];
    let exitCode = 0;
    try {
      for (const fn of functions) {
        try {
          await deployFunction(fn, { manifest, executor, client, io });
        } catch (error) {
          // One function fails as any command does; of several, one refused (a route clash, a build error) must not
          // keep the others from deploying. A refused token or a backend gone would refuse every one of them.
          if (functions.length === 1 || (isNimbusError(error) && stopsEveryDeploy.has(error.code))) throw error;
          const code = reportError(error, io);
          // The first failure's code: what stopping there used to exit with.
          if (failed.length === 0) exitCode = code;
          failed.push(fn.name);
        }
      }
    } finally {
      await executor.dispose();
    }
    if (failed.length > 0) {
      io.stderr.write(`Deployed ${functions.length - failed.length} of ${functions.length} functions; not deployed: ${failed.join(', ')}\n`);
    }
    return exitCode;
  },
};

/** Codes that every other function of the same deploy would meet too. */
const stopsEveryDeploy: ReadonlySet<ErrorCode> = new Set(['BACKEND_UNAUTHORIZED', 'BACKEND_UNREACHABLE']);

async function deployFunction(
  fn: FunctionSpec,
  { manifest, executor, client, io }: { manifest: Manifest; executor: Executor; client: BackendClient; io: CliIO },
): Promise<void> {
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
