// Executor layer: one side of the IPC channel between the executor and an instance's harness. Messages written in
// one turn of the event loop leave in one write: a write wakes the other process, and on a small VM a wake-up costs
// more than the message (an instance serving 32 invocations at once gets them in a handful of writes, not 32).
// What must not wait for the turn to end (a console line written before an endless loop) goes with sendNow.
// Used by both sides, so it needs nothing but timers.

export class BatchedChannel<T> {
  private queue: T[] = [];
  private scheduled = false;

  /** `write` sends one batch; `callback` runs once it is written. */
  constructor(private readonly write: (batch: T[], callback?: () => void) => void) {}

  /** Sends the message with the others of this turn. */
  send(message: T): void {
    this.queue.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Sends whatever waits, and the message, now; `callback` runs once it is written. */
  sendNow(message: T, callback?: () => void): void {
    this.queue.push(message);
    this.flush(callback);
  }

  /** Sends whatever waits now. */
  flush(callback?: () => void): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length) this.write(batch, callback);
    else callback?.();
  }
}
