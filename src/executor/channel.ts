// Executor layer: one side of the IPC channel between the executor and an instance's harness. Messages written in
// one turn of the event loop leave in one write: a write wakes the other process, and on a small VM a wake-up costs
// more than the message (an instance serving 32 invocations at once gets them in a handful of writes, not 32).
// What must not wait for the turn to end (a console line written before an endless loop) goes with sendNow, and
// leaves at once while the other side keeps up. Once it falls behind, every message waits in a batch until the
// writes already made are done: Node keeps each write it cannot make at once in memory, at about a kilobyte apiece,
// and a function logging 100,000 lines in a loop would spend its memory limit on them.
// Used by both sides, so it needs nothing but timers.

/** Messages per write at most: the other side parses each write as one JSON value and should not stall on a huge one. */
const maxBatchLength = 1000;

interface Batch<T> {
  messages: T[];
  /** Run once the batch is written. */
  callbacks: (() => void)[];
}

export class BatchedChannel<T> {
  /** What waits to be written, oldest first; only the last batch still takes messages. */
  private batches: Batch<T>[] = [];
  private scheduled = false;
  /** Writes whose callback has not run yet. */
  private writing = 0;
  /** Set when a write found the other side behind; cleared when every write made so far is done. */
  private congested = false;

  /**
   * `write` sends one batch, calls `callback` once it is written (or dropped, when the channel is closed) and returns
   * false when the other side is behind (as subprocess.send and process.send do). When it throws, serializing failed
   * before anything was written: the batch goes again with each message through `repair`, which makes one JSON
   * cannot carry sendable, or answers undefined to leave it out.
   */
  constructor(
    private readonly write: (batch: T[], callback: () => void) => boolean,
    private readonly repair: (message: T) => T | undefined = (message) => message,
  ) {}

  /** Sends the message with the others of this turn. */
  send(message: T): void {
    this.enqueue(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Sends whatever waits, and the message, now if the other side keeps up; `callback` runs once it is written. */
  sendNow(message: T, callback?: () => void): void {
    this.enqueue(message, callback);
    this.flush();
  }

  /** Sends whatever waits now, as far as the other side keeps up; the rest leaves as the writes made so far are done. */
  flush(): void {
    while (!this.congested && this.batches.length) {
      const { messages, callbacks } = this.batches.shift()!;
      this.writing++;
      const done = () => this.written(callbacks);
      let room: boolean;
      try {
        room = this.write(messages, done);
      } catch {
        room = this.write(messages.flatMap((message) => this.repair(message) ?? []), done);
      }
      if (!room) this.congested = true;
    }
  }

  private enqueue(message: T, callback?: () => void): void {
    let last = this.batches[this.batches.length - 1];
    if (!last || last.messages.length >= maxBatchLength) this.batches.push((last = { messages: [], callbacks: [] }));
    last.messages.push(message);
    if (callback) last.callbacks.push(callback);
  }

  private written(callbacks: (() => void)[]): void {
    this.writing--;
    for (const callback of callbacks) callback();
    if (this.writing > 0 || !this.congested) return;
    this.congested = false;
    this.flush();
  }
}
