// Executor layer: bundles a function's handler (TS/JS, CommonJS or ESM) with esbuild into one cached CommonJS file
// with a source map, rebuilt only when the handler's config or one of its input files changed.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { BuildFailure, Message } from 'esbuild';
import { NimbusError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { FunctionSpec } from '../shared/manifest/model';
import type { BundleInfo } from './api';
import { findFunctionRoot } from './paths';

/**
 * Bundles are CommonJS, but they may sit under a project whose package.json says "type": "module", where Node would
 * load a `.js` file as ESM. A package.json beside the bundle sets the scope back to CommonJS.
 */
export const commonJsScope = { file: 'package.json', text: '{ "type": "commonjs" }\n' } as const;

/** Bump when the bundle layout changes, so caches written by an older Nimbus are rebuilt. */
const bundleFormat = 2;

interface CacheEntry {
  configHash: string;
  info: BundleInfo;
  /** `mtimeMs:size` of every input when the bundle was built. */
  stamps: Record<string, string>;
}

export interface BuildErrorDetail {
  /** Absolute path, when esbuild knows the file. */
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

export class Bundler {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly running = new Map<string, Promise<BundleInfo>>();

  constructor(
    private readonly cacheDir: string,
    private readonly logger: Logger,
  ) {}

  /** The cached bundle when nothing changed (one stat per input), otherwise a fresh build. */
  bundle(fn: FunctionSpec): Promise<BundleInfo> {
    const configHash = hash(JSON.stringify({ bundleFormat, file: fn.handlerFile, name: fn.name }));
    const key = `${fn.name}\0${configHash}`;
    let pending = this.running.get(key);
    if (!pending) {
      pending = this.bundleFresh(fn, configHash).finally(() => this.running.delete(key));
      this.running.set(key, pending);
    }
    return pending;
  }

  private async bundleFresh(fn: FunctionSpec, configHash: string): Promise<BundleInfo> {
    const entry = this.entries.get(fn.name) ?? (await this.readState(fn.name));
    if (entry && entry.configHash === configHash && (await isCurrent(entry))) {
      this.entries.set(fn.name, entry);
      return entry.info;
    }
    return this.build(fn, configHash);
  }

  private statePath(functionName: string): string {
    return join(this.cacheDir, safeName(functionName), 'state.json');
  }

  private async readState(functionName: string): Promise<CacheEntry | undefined> {
    try {
      return JSON.parse(await readFile(this.statePath(functionName), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
  }

  private async build(fn: FunctionSpec, configHash: string): Promise<BundleInfo> {
    if (!existsSync(fn.handlerFile)) {
      throw new NimbusError('HANDLER_NOT_FOUND', `The handler file ${fn.handlerFile} of function '${fn.name}' does not exist: fix \`handler\` in nimbus.yaml.`);
    }
    const esbuild = await import('esbuild');
    const root = findFunctionRoot(fn);
    // Outputs stay in memory; this path only anchors the relative `sources` esbuild writes into the map.
    const virtualOutput = join(root, '.nimbus-bundle', 'index.js');
    const started = performance.now();
    let result: import('esbuild').BuildResult<{ write: false; metafile: true }>;
    try {
      result = await esbuild.build({
        entryPoints: [fn.handlerFile],
        absWorkingDir: root,
        outfile: virtualOutput,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: 'linked',
        sourcesContent: true,
        keepNames: true,
        metafile: true,
        write: false,
        logLevel: 'silent',
      });
    } catch (error) {
      throw buildFailed(fn, root, error as BuildFailure);
    }
    let code = '';
    let map = '';
    for (const output of result.outputFiles) {
      if (output.path.endsWith('.map')) map = absoluteSources(output.text, dirname(virtualOutput));
      else code = output.text;
    }
    const folder = join(this.cacheDir, safeName(fn.name), hash(configHash + code + map).slice(0, 16));
    const info: BundleInfo = {
      file: join(folder, 'index.js'),
      sourceMapFile: join(folder, 'index.js.map'),
      inputs: Object.keys(result.metafile.inputs).map((input) => resolve(root, input)),
    };
    // Content-addressed: an unchanged result (a touched but unedited file) reuses the folder and keeps its mtime.
    if (!existsSync(info.file)) {
      await mkdir(folder, { recursive: true });
      await writeAtomically(join(folder, commonJsScope.file), commonJsScope.text);
      await writeAtomically(info.sourceMapFile, map);
      await writeAtomically(info.file, code);
    }

    const entry: CacheEntry = { configHash, info, stamps: await stampInputs(info.inputs) };
    this.entries.set(fn.name, entry);
    await writeAtomically(this.statePath(fn.name), JSON.stringify(entry));
    this.logger.debug('bundled function', { function: fn.name, file: info.file, ms: Math.round(performance.now() - started) });
    return info;
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function safeName(functionName: string): string {
  return functionName.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function stampInputs(inputs: string[]): Promise<Record<string, string>> {
  const stamps: Record<string, string> = {};
  await Promise.all(
    inputs.map(async (input) => {
      const info = await stat(input);
      stamps[input] = `${info.mtimeMs}:${info.size}`;
    }),
  );
  return stamps;
}

async function isCurrent(entry: CacheEntry): Promise<boolean> {
  if (!existsSync(entry.info.file)) return false;
  try {
    const now = await stampInputs(Object.keys(entry.stamps));
    return Object.entries(entry.stamps).every(([input, stamp]) => now[input] === stamp);
  } catch {
    return false;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Debuggers map back to the user's files without knowing where the cache is: make every source absolute. */
function absoluteSources(mapText: string, mapFolder: string): string {
  const map = JSON.parse(mapText) as { sources: string[] };
  map.sources = map.sources.map((source) => (isAbsolute(source) ? source : resolve(mapFolder, source)));
  return JSON.stringify(map);
}

function buildFailed(fn: FunctionSpec, root: string, failure: BuildFailure): NimbusError {
  const messages: Message[] = failure.errors ?? [];
  if (!messages.length) return new NimbusError('BUILD_FAILED', `Bundling function '${fn.name}' failed: ${failure.message}`);
  const details: BuildErrorDetail[] = messages.map((message) => ({
    file: message.location ? resolve(root, message.location.file) : undefined,
    line: message.location?.line,
    column: message.location ? message.location.column + 1 : undefined,
    message: message.text,
  }));
  const lines = details.map((detail) =>
    detail.file ? `${relative(root, detail.file)}:${detail.line}:${detail.column}: ${detail.message}` : detail.message,
  );
  return new NimbusError('BUILD_FAILED', lines.join('\n'), { details });
}
