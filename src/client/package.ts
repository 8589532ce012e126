// Client layer: writes the deploy artifact — a gzip'd tar of `bundle/index.js`, `bundle/index.js.map` and
// `nimbus.json` (the function's config, no absolute paths). Deterministic, so identical content hashes identically
// and a re-deploy of unchanged code is a no-op on the backend.

import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { artifactPaths, type DeployConfig } from '../shared/backendApi';
import type { FunctionSpec, Manifest } from '../shared/manifest/model';
import type { Executor } from '../executor/api';

export interface DeployArtifact {
  tarball: Buffer;
  /** sha256 of `tarball`, hex; the backend checks it and uses it as the version's identity. */
  sha256: string;
  config: DeployConfig;
}

/** Bundles the function with the executor's bundler and packs it for `PUT /api/v1/functions/{name}`. */
export async function packageFunction(manifest: Manifest, fn: FunctionSpec, executor: Executor): Promise<DeployArtifact> {
  const bundle = await executor.bundle(fn);
  const code = await readFile(bundle.file, 'utf8');
  const map = await readFile(bundle.sourceMapFile, 'utf8');
  const config = deployConfigOf(fn);
  const tarball = await packArtifact({
    [artifactPaths.config]: JSON.stringify(config, null, 2) + '\n',
    [artifactPaths.bundle]: pointAtBundledMap(code),
    [artifactPaths.sourceMap]: relativeSourceMap(map, manifest.root),
  });
  return { tarball, sha256: createHash('sha256').update(tarball).digest('hex'), config };
}

/** The function's config as deployed: what the backend needs to run and trigger it. */
export function deployConfigOf(fn: FunctionSpec): DeployConfig {
  return {
    name: fn.name,
    handler: fn.handler,
    handlerExport: fn.handlerExport,
    runtime: fn.runtime,
    memory: fn.memory,
    timeout: fn.timeout,
    env: fn.env,
    concurrency: fn.concurrency,
    instanceConcurrency: fn.instanceConcurrency,
    network: fn.network,
    triggers: fn.triggers.map(({ range: _range, ...trigger }) => trigger),
    ...(fn.description === undefined ? {} : { description: fn.description }),
  };
}

/** A gzip'd tar of the given files, byte-for-byte the same for the same contents (fixed times, modes, no owners). */
export async function packArtifact(files: Record<string, string | Buffer>): Promise<Buffer> {
  const folder = await mkdtemp(join(tmpdir(), 'nimbus-artifact-'));
  try {
    const names = Object.keys(files).sort();
    for (const name of names) {
      const file = join(folder, name);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, files[name]!);
      await chmod(file, 0o644);
    }
    const chunks: Buffer[] = [];
    // Loaded on first deploy rather than with the module: the extension loads this module at activation.
    const { create: createTar } = await import('tar');
    const stream = createTar({ cwd: folder, portable: true, mtime: new Date(0), noDirRecurse: true }, names);
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    // Node writes no timestamp into the gzip header, so the bytes depend on the content only.
    return gzipSync(Buffer.concat(chunks), { level: 9 });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The bundle's source map comment must name the map's name inside the artifact. */
function pointAtBundledMap(code: string): string {
  const comment = '//# sourceMappingURL=index.js.map';
  const stripped = code.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '');
  return `${stripped}\n${comment}\n`;
}

/** Sources relative to the project root (with forward slashes), so no absolute path of this machine ships. */
function relativeSourceMap(mapText: string, root: string): string {
  const map = JSON.parse(mapText) as { sources: string[]; file?: string; sourceRoot?: string };
  map.sources = map.sources.map((source) => (isAbsolute(source) ? relative(root, source).split('\\').join('/') : source));
  map.file = 'index.js';
  delete map.sourceRoot;
  return JSON.stringify(map);
}
