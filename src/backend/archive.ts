// Backend layer: reads a deploy artifact (gzip'd tar) into memory, refusing anything unsafe before a byte reaches disk:
// path traversal, absolute paths, links and devices, unexpected files, oversized archives (compressed and unpacked).

import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Parser, type ReadEntry } from 'tar';
import { NimbusError } from '../shared/errors';
import { artifactPaths, type DeployConfig } from '../shared/backendApi';
import { parseDeployConfig } from './deployConfig';

const gunzipAsync = promisify(gunzip);

export interface ArchiveLimits {
  /** Largest unpacked size of all entries together, in bytes. */
  maxUnpackedBytes: number;
  /** Most entries in one archive. */
  maxEntries: number;
}

export interface Artifact {
  config: DeployConfig;
  /** Relative path inside the artifact → content; always holds the bundle and the config. */
  files: Map<string, Buffer>;
}

export async function readArtifact(archive: Buffer, limits: ArchiveLimits): Promise<Artifact> {
  let tarBytes: Buffer;
  try {
    // The unpacked limit also bounds the tar stream, so a gzip bomb stops at the limit rather than filling memory.
    tarBytes = await gunzipAsync(archive, { maxOutputLength: limits.maxUnpackedBytes + 64 * 1024 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limits);
    throw new NimbusError('BUNDLE_INVALID', 'the deploy artifact is not a gzip file; create it with `nimbus deploy`');
  }
  const files = await readTar(tarBytes, limits);
  const bundle = files.get(artifactPaths.bundle);
  const configText = files.get(artifactPaths.config);
  if (!configText) throw missing(artifactPaths.config);
  if (!bundle || bundle.length === 0) throw missing(artifactPaths.bundle);
  return { config: parseDeployConfig(configText.toString('utf8')), files };
}

function readTar(tarBytes: Buffer, limits: ArchiveLimits): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    let unpacked = 0;
    let entries = 0;
    let failure: NimbusError | undefined;
    const fail = (error: NimbusError) => {
      failure ??= error;
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entries += 1;
        const problem = failure ?? checkEntry(entry, entries, limits);
        if (problem) {
          fail(problem);
          entry.resume();
          return;
        }
        if (entry.type === 'Directory') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => {
          unpacked += chunk.length;
          if (unpacked > limits.maxUnpackedBytes) fail(tooLarge(limits));
          else chunks.push(chunk);
        });
        entry.on('end', () => {
          if (!failure) files.set(normalizedPath(entry.path), Buffer.concat(chunks));
        });
      },
    });
    parser.on('error', (error: Error) =>
      fail(new NimbusError('BUNDLE_INVALID', `the deploy artifact is not a valid tar archive (${error.message}); create it with \`nimbus deploy\``)),
    );
    parser.on('end', () => (failure ? reject(failure) : resolve(files)));
    parser.end(tarBytes);
  });
}

function checkEntry(entry: ReadEntry, count: number, limits: ArchiveLimits): NimbusError | undefined {
  if (count > limits.maxEntries) {
    return new NimbusError('PAYLOAD_TOO_LARGE', `the deploy artifact has more than ${limits.maxEntries} entries; deploy only the bundle and nimbus.json`);
  }
  const path = entry.path;
  const parts = path.replaceAll('\\', '/').split('/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || parts.includes('..') || path.includes('\0')) {
    return new NimbusError('BUNDLE_INVALID', `the deploy artifact has an unsafe path "${path}" (absolute or with ..); refusing it`);
  }
  if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory') {
    return new NimbusError('BUNDLE_INVALID', `the deploy artifact has a ${entry.type} entry "${path}"; only plain files are accepted (no links or devices)`);
  }
  const normalized = normalizedPath(path);
  const allowed = normalized === artifactPaths.config || normalized === 'bundle' || normalized.startsWith('bundle/');
  if (!allowed) {
    return new NimbusError('BUNDLE_INVALID', `the deploy artifact has an unexpected entry "${path}"; it may hold only nimbus.json and bundle/`);
  }
  if (entry.size > limits.maxUnpackedBytes) return tooLarge(limits);
  return undefined;
}

function normalizedPath(path: string): string {
  return path
    .replaceAll('\\', '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

function tooLarge(limits: ArchiveLimits): NimbusError {
  return new NimbusError(
    'PAYLOAD_TOO_LARGE',
    `the deploy artifact unpacks to more than ${Math.round(limits.maxUnpackedBytes / 1024)} KiB; make the bundle smaller or raise the backend's limit`,
  );
}

function missing(path: string): NimbusError {
  return new NimbusError('BUNDLE_INVALID', `the deploy artifact has no ${path}; create it with \`nimbus deploy\``);
}
