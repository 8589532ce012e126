// Backend layer: content-addressed bundles on disk. A deploy writes into a staging folder, fsyncs every file, then
// renames the folder to `bundles/<sha256>` — so a bundle folder either exists whole or not at all, even after `kill -9`.

import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { commonJsScope } from '../executor/bundler';

export class BundleStore {
  private readonly bundlesDir: string;
  private readonly stagingDir: string;

  constructor(dataDir: string) {
    this.bundlesDir = join(dataDir, 'bundles');
    this.stagingDir = join(dataDir, 'staging');
  }

  /** Creates the folders and removes staging leftovers of deploys that were interrupted. */
  async open(): Promise<void> {
    await rm(this.stagingDir, { recursive: true, force: true });
    await mkdir(this.stagingDir, { recursive: true });
    await mkdir(this.bundlesDir, { recursive: true });
  }

  /** The folder of a stored bundle (holding `index.js`, `index.js.map`, …). */
  folder(sha256: string): string {
    return join(this.bundlesDir, sha256);
  }

  /**
   * Writes the files durably under `bundles/<sha256>`. Content-addressed: when the folder exists it already holds
   * exactly these files, so nothing is written.
   */
  async write(sha256: string, files: Map<string, Buffer>): Promise<string> {
    const target = this.folder(sha256);
    if (await exists(target)) return target;
    const staging = join(this.stagingDir, randomUUID());
    try {
      const scoped = new Map(files).set(commonJsScope.file, Buffer.from(commonJsScope.text));
      for (const [path, content] of scoped) {
        const file = join(staging, path);
        await mkdir(dirname(file), { recursive: true });
        const handle = await open(file, 'w', 0o644);
        try {
          await handle.writeFile(content);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      await syncFolderTree(staging);
      try {
        await rename(staging, target);
      } catch (error) {
        // A concurrent deploy of the same content won the rename; its folder holds the same bytes.
        if (!(await exists(target))) throw error;
      }
      await syncFolder(this.bundlesDir);
      return target;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Removes bundle folders no stored version refers to. */
  async collectGarbage(referenced: Set<string>): Promise<void> {
    for (const name of await readdir(this.bundlesDir)) {
      if (!referenced.has(name)) await rm(join(this.bundlesDir, name), { recursive: true, force: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await open(path, 'r')).close();
    return true;
  } catch {
    return false;
  }
}

async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFolderTree(path: string): Promise<void> {
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await syncFolderTree(join(path, entry.name));
  }
  await syncFolder(path);
}
