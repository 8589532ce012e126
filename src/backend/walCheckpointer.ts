// Backend layer: checkpoints the metadata store's write-ahead log from a worker thread. SQLite's automatic checkpoint
// runs inside whichever commit crosses the WAL's size limit, on the event loop: copying the pages back and the fsync
// took ~6 ms every ~80 commits under load (a third of the commit time, and every p99 outlier). A PASSIVE checkpoint on
// its own connection takes no write lock, so commits on the event loop never wait for it.

import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

// The worker's whole program. It is evaluated from this string rather than loaded from a file so that it runs the
// same from the bundles in dist/ and from the sources under tsx.
const workerProgram = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const database = new Database(workerData.file, { fileMustExist: true });
database.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    database.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  database.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  constructor(file: string, intervalMs: number, onError: (message: string) => void) {
    this.worker = new Worker(workerProgram, { eval: true, workerData: { file, intervalMs, driver: require.resolve('better-sqlite3') } });
    this.exited = once(this.worker, 'exit');
    this.worker.on('message', (message: { error: string }) => onError(message.error));
    this.worker.on('error', (error) => onError(String(error)));
    // The store's own connection is what keeps the backend's work alive; this thread never does.
    this.worker.unref();
  }

  /**
   * Resolves once the worker has closed its connection and ended. Until then it may still be opening the database
   * (creating the -wal and -shm files), so the store closes its own connection after this: the last connection to
   * close checkpoints and removes the WAL, and nothing touches the data dir afterwards.
   */
  async stop(): Promise<void> {
    // Referenced while it stops: a backend failing to start has nothing else holding the process open, and would
    // otherwise exit (with 0, saying nothing) before the error that stopped it is reported.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
