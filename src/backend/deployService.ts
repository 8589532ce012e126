// Backend layer: a deploy end to end — check the upload, unpack it in memory, validate config and bundle, store the
// bundle durably, then switch the active version in one transaction. Any failure before the switch leaves the
// previous version serving.

import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import { parse as parseCommonJsExports, initSync as initCommonJsLexer } from 'cjs-module-lexer';
import { Cron } from 'croner';
import { NimbusError } from '../shared/errors';
import { artifactPaths, type DeployConfig } from '../shared/backendApi';
import { compileRoute, RouteTable } from '../shared/http/routes';
import { readArtifact, type ArchiveLimits } from './archive';
import type { BundleStore } from './bundleStore';
import type { FunctionHost } from './functionHost';
import type { MetadataStore } from './store';

initCommonJsLexer();

export interface DeployOutcome {
  name: string;
  version: number;
  sha256: string;
  unchanged: boolean;
  config: DeployConfig;
}

export class DeployService {
  /** Deploys switch versions one at a time, so route checks and version numbers never race. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: MetadataStore,
    private readonly bundles: BundleStore,
    private readonly host: FunctionHost,
    private readonly limits: ArchiveLimits,
  ) {}

  async deploy(name: string, archive: Buffer, expectedSha256: string | undefined): Promise<DeployOutcome> {
    const sha256 = createHash('sha256').update(archive).digest('hex');
    if (expectedSha256 && expectedSha256.toLowerCase() !== sha256) {
      throw new NimbusError('BUNDLE_INVALID', `the upload arrived damaged (sha256 ${sha256}, expected ${expectedSha256}); deploy again`);
    }
    const artifact = await readArtifact(archive, this.limits);
    const config = artifact.config;
    if (config.name !== name) {
      throw new NimbusError('BUNDLE_INVALID', `the artifact is for function ${config.name}, not ${name}; upload it to /api/v1/functions/${config.name}`);
    }
    checkBundle(artifact.files.get(artifactPaths.bundle)!, config.handlerExport);
    checkSchedules(config);
    const files = new Map<string, Buffer>();
    for (const [path, content] of artifact.files) {
      files.set(path === artifactPaths.config ? 'nimbus.json' : path.slice('bundle/'.length), content);
    }
    return this.serialized(async () => {
      this.checkRoutes(config);
      await this.bundles.write(sha256, files);
      const { version, unchanged } = this.store.recordDeploy(config, sha256);
      await this.host.refresh();
      return { name, version, sha256, unchanged, config };
    });
  }

  async rollback(name: string, version: number | undefined): Promise<number> {
    return this.serialized(async () => {
      const stored = this.store.getFunction(name);
      if (!stored) throw new NimbusError('NOT_FOUND', `function ${name} is not deployed; deploy it with \`nimbus deploy ${name}\``);
      const target = version ?? [...stored.versions].reverse().find((candidate) => candidate.version < stored.version)?.version;
      if (target === undefined) {
        throw new NimbusError('NOT_FOUND', `function ${name} has no version before ${stored.version}; pass the version to roll back to`);
      }
      if (!stored.versions.some((candidate) => candidate.version === target)) {
        const known = stored.versions.map((candidate) => candidate.version).join(', ');
        throw new NimbusError('NOT_FOUND', `function ${name} has no version ${target}; its versions are ${known}`);
      }
      this.store.activate(name, target);
      await this.host.refresh();
      return target;
    });
  }

  async delete(name: string): Promise<boolean> {
    return this.serialized(async () => {
      const deleted = this.store.deleteFunction(name);
      if (deleted) await this.host.refresh();
      return deleted;
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** HTTP routes must be valid and must not clash with another deployed function's routes. */
  private checkRoutes(config: DeployConfig): void {
    const table = new RouteTable<string>();
    for (const deployed of this.host.functions()) {
      if (deployed.name === config.name) continue;
      for (const trigger of deployed.config.triggers) if (trigger.type === 'http') table.add(trigger.method, trigger.path, deployed.name, deployed.name);
    }
    for (const trigger of config.triggers) {
      if (trigger.type !== 'http') continue;
      try {
        compileRoute(trigger.method, trigger.path);
        table.add(trigger.method, trigger.path, config.name);
      } catch (error) {
        const problem = error instanceof NimbusError ? error.message : String(error);
        const code = error instanceof NimbusError && error.code === 'CONFLICT' ? 'CONFLICT' : 'BUNDLE_INVALID';
        throw new NimbusError(code, `cannot deploy ${config.name}: ${problem}`);
      }
    }
  }
}

/** The bundle must compile and, when its exports can be read statically, export the handler. */
function checkBundle(bundle: Buffer, handlerExport: string): void {
  const code = bundle.toString('utf8');
  try {
    // Compiles the CommonJS wrapper's body without running it.
    new Script(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename: 'bundle/index.js' });
  } catch (error) {
    throw new NimbusError('BUNDLE_INVALID', `bundle/index.js does not compile (${(error as Error).message}); rebuild and deploy again`);
  }
  const { exports } = parseCommonJsExports(code);
  if (exports.length > 0 && handlerExport !== 'default' && !exports.includes(handlerExport)) {
    throw new NimbusError(
      'BUNDLE_INVALID',
      `bundle/index.js does not export "${handlerExport}" (it exports ${exports.join(', ')}); fix the handler in nimbus.yaml`,
    );
  }
}

function checkSchedules(config: DeployConfig): void {
  for (const trigger of config.triggers) {
    if (trigger.type !== 'schedule') continue;
    try {
      new Cron(trigger.cron, { paused: true, timezone: trigger.timezone }).stop();
    } catch (error) {
      throw new NimbusError('BUNDLE_INVALID', `schedule "${trigger.cron}" of ${config.name} is not a valid cron expression (${(error as Error).message})`);
    }
  }
}
