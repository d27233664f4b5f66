/**
 * Collects log lines and hands them to an asynchronous output in batches: one write in
 * flight at a time, so order is kept and the event loop never waits on the disk.
 */

/** Writes one batch; resolves once the text has been handed to the OS. */
export type BatchOutput = (text: string) => Promise<void>;

/** A batch is written as soon as this much has gathered, else FLUSH_DELAY_MS after its first line. */
const BATCH_CHARS = 64 * 1024;
/**
 * Gathering lines for a moment turns a write (and a thread-pool round trip, with its wake-ups)
 * per request into a few per second: under load that is several percent of a core.
 */
const FLUSH_DELAY_MS = 50;

interface FlushWaiter {
  readonly upTo: number;
  readonly resolve: () => void;
}

export class BatchWriter {
  readonly #output: BatchOutput;
  readonly #onError: (error: unknown) => void;
  #pending: string[] = [];
  #pendingChars = 0;
  /** Lines accepted so far, and lines whose write has finished (or failed and been reported). */
  #accepted = 0;
  #finished = 0;
  #writing = false;
  #scheduled = false;
  /** In `upTo` order, since `#accepted` only grows. */
  readonly #waiters: FlushWaiter[] = [];

  constructor(output: BatchOutput, onError: (error: unknown) => void) {
    this.#output = output;
    this.#onError = onError;
  }

  write(line: string): void {
    this.#pending.push(line);
    this.#pendingChars += line.length;
    this.#accepted++;
    if (this.#pendingChars >= BATCH_CHARS) {
      this.#drain();
    } else if (!this.#scheduled) {
      // Everything logged in the next moment goes out in one write.
      this.#scheduled = true;
      setTimeout(() => {
        this.#scheduled = false;
        this.#drain();
      }, FLUSH_DELAY_MS);
    }
  }

  /** Resolves once every line written before the call has been written out. */
  flush(): Promise<void> {
    if (this.#finished >= this.#accepted) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiters.push({ upTo: this.#accepted, resolve }));
    this.#drain();
    return done;
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // Reporting is best effort; it must not stop the lines that follow.
    }
  }

  #drain(): void {
    if (this.#writing || this.#pending.length === 0) return;
    this.#writing = true;
    const count = this.#pending.length;
    const text = this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    let written: Promise<void>;
    try {
      written = this.#output(text);
    } catch (error) {
      written = Promise.reject(error);
    }
    // A failed batch is reported and dropped: a full disk must not stop the server.
    written.catch((error: unknown) => this.#report(error)).finally(() => {
      this.#writing = false;
      this.#finished += count;
      while (this.#waiters.length > 0 && this.#waiters[0]!.upTo <= this.#finished) this.#waiters.shift()!.resolve();
      this.#drain();
    });
  }
}
