// Executor layer: watches a changing set of files for the gateway's hot reload — by their folders, so editors that
// save by writing a new file and renaming it over the old one are seen too.

import { watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IDisposable } from '../shared/disposable';

export class FileWatcher implements IDisposable {
  private files = new Set<string>();
  private readonly folders = new Map<string, FSWatcher>();
  private readonly changed = new Set<string>();
  private timer?: NodeJS.Timeout;
  private disposed = false;

  /** `onChange` gets the watched files that changed, once per burst of events `debounceMs` apart. */
  constructor(
    private readonly onChange: (files: string[]) => void,
    private readonly debounceMs: number,
  ) {}

  /** Watches exactly these absolute file paths from now on. */
  watch(files: Iterable<string>): void {
    if (this.disposed) return;
    this.files = new Set(files);
    const needed = new Set([...this.files].map((file) => dirname(file)));
    for (const [folder, watcher] of this.folders) {
      if (needed.has(folder)) continue;
      watcher.close();
      this.folders.delete(folder);
    }
    for (const folder of needed) {
      if (this.folders.has(folder)) continue;
      try {
        const watcher = watch(folder, (_eventType, filename) => {
          if (filename) this.notice(join(folder, filename.toString()));
        });
        // A folder that goes away stops its watcher; the next watch() call with it sets it up again.
        watcher.on('error', () => {
          watcher.close();
          this.folders.delete(folder);
        });
        this.folders.set(folder, watcher);
      } catch {
        // A folder that does not exist (yet) has nothing to report.
      }
    }
  }

  private notice(file: string): void {
    if (this.disposed || !this.files.has(file)) return;
    this.changed.add(file);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const files = [...this.changed];
      this.changed.clear();
      this.onChange(files);
    }, this.debounceMs);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    for (const watcher of this.folders.values()) watcher.close();
    this.folders.clear();
  }
}
