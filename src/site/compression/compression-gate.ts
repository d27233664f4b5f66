/**
 * How many compressions run at once. Each one holds an encoder's memory and a thread of
 * libuv's pool (where node:zlib works) until it is done, so their number is bounded: beyond
 * `concurrency` a request waits in a short queue, and when the queue is full, when its wait
 * passes `maxWaitMs` or when its client leaves, it gets no slot and is answered uncompressed
 * (an identity answer is always correct, RFC 9110 section 12.5.3).
 */

export interface GateLimits {
  /** Compressions running at once. */
  readonly concurrency: number;
  /** Requests waiting for a slot at once. */
  readonly queueLength: number;
  /** Longest wait for a slot, in ms. */
  readonly maxWaitMs: number;
}

/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

interface Waiter {
  readonly resolve: (release: ReleaseSlot | null) => void;
  readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class CompressionGate {
  #running = 0;
  readonly #queue: Waiter[] = [];

  constructor(readonly limits: GateLimits) {}

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * A slot now, a slot once one frees (null if the wait ends first: deadline or `clientGone`
   * aborted), or null at once when the queue is full. `clientGone` is asked for only when the
   * request has to wait.
   */
  enter(clientGone?: () => AbortSignal): ReleaseSlot | Promise<ReleaseSlot | null> | null {
    if (this.#running < this.limits.concurrency) return this.#take();
    if (this.#queue.length >= this.limits.queueLength) return null;
    const signal = clientGone?.();
    if (signal?.aborted === true) return null;
    return new Promise((resolve) => {
      const leave = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index === -1) return;
        this.#queue.splice(index, 1);
        clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', waiter.onAbort);
        resolve(null);
      };
      const waiter: Waiter = { resolve, timer: setTimeout(leave, this.limits.maxWaitMs), signal, onAbort: leave };
      signal?.addEventListener('abort', leave, { once: true });
      this.#queue.push(waiter);
    });
  }

  #take(): ReleaseSlot {
    this.#running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      this.#admitNext();
    };
  }

  /** The longest-waiting request gets the slot that just freed. */
  #admitNext(): void {
    const waiter = this.#queue.shift();
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(this.#take());
  }
}
