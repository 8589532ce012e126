// Executor layer: where things are on disk — the built harness inside the Nimbus package, and a function's own folder.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NimbusError } from '../shared/errors';
import type { RunnableFunction } from './api';

const packageName = 'nimbus-faas';
let harnessFile: string | undefined;

/**
 * The harness every instance runs, `<package>/dist/harness.js`. Found by walking up to Nimbus's own package.json so
 * it works from src/ under tsx, from dist/cli.js and from an installed extension alike.
 */
export function findHarnessFile(start: string = __dirname): string {
  if (harnessFile) return harnessFile;
  for (let folder = start; ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === packageName) {
      const candidate = join(folder, 'dist', 'harness.js');
      if (!existsSync(candidate)) {
        throw new NimbusError('INTERNAL', `The function runtime ${candidate} is missing: run \`npm run build\` in ${folder} first.`, {
          user: false,
        });
      }
      harnessFile = candidate;
      return candidate;
    }
    if (dirname(folder) === folder) {
      throw new NimbusError('INTERNAL', `Cannot find the ${packageName} package above ${start}: reinstall Nimbus.`, { user: false });
    }
  }
}

function readPackageName(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/**
 * The folder a function owns: the nearest folder above its handler holding nimbus.yaml or package.json (the folder
 * of a prebuilt bundle). The sandbox lets the function read it; the bundler resolves imports from it.
 */
export function findFunctionRoot(fn: RunnableFunction): string {
  if (fn.prebuiltBundle) return dirname(fn.prebuiltBundle);
  const handlerFolder = dirname(fn.handlerFile);
  for (let folder = handlerFolder; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'nimbus.yaml')) || existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) return handlerFolder;
  }
}

const instanceTmpPrefix = 'nimbus-instance-';

/** A new private tmp dir for an instance, named after the process that owns it so leftovers can be told apart. */
export function createInstanceTmpDir(): string {
  return mkdtempSync(join(tmpdir(), `${instanceTmpPrefix}${process.pid}-`));
}

/**
 * Removes instance tmp dirs in `folder` whose owning process is gone: a host killed with `kill -9` (a crashed
 * backend, a closed editor) cannot clean up after its instances.
 */
export async function removeOrphanedInstanceTmpDirs(folder: string = tmpdir()): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const orphans = names.filter((name) => {
    const owner = new RegExp(`^${instanceTmpPrefix}(\\d+)-`).exec(name);
    return owner !== null && !isAlive(Number(owner[1]));
  });
  await Promise.all(orphans.map((name) => rm(join(folder, name), { recursive: true, force: true }).catch(() => undefined)));
  return orphans;
}

let swept = false;

/** Once per process, in the background: the first executor cleans up after hosts that died before. */
export function sweepOrphanedInstanceTmpDirs(): void {
  if (swept) return;
  swept = true;
  void removeOrphanedInstanceTmpDirs();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
