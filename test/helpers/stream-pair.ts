/**
 * Two connected duplex streams, a stand-in for a TCP connection in unit tests of the HTTP
 * connection: what one end writes, the other reads. The client end can stop reading
 * (`client.stopReading()`), and then the server end's writes are not acknowledged, so its
 * buffer fills and `write()` returns false, as a socket's does when the peer does not read.
 */
import { Duplex } from 'node:stream';

class PairEnd extends Duplex {
  peer!: PairEnd;
  /** Write acknowledgements held back while the peer is not reading. */
  private held: Array<() => void> = [];
  reading = true;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.peer.push(chunk);
    if (this.peer.reading) callback();
    else this.held.push(() => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer.push(null);
    callback();
  }

  override _read(): void {}

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.destroy();
    callback(error);
  }

  /** The peer stops (or resumes) reading what this end receives. */
  releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const ack of held) ack();
  }
}

export interface StreamPair {
  /** Give this to the code under test as its socket. */
  readonly server: Duplex;
  readonly client: ClientEnd;
}

export interface ClientEnd {
  write(data: string | Buffer): void;
  end(): void;
  /** Everything the server wrote so far. */
  received(): Buffer;
  /** Resolves when `predicate(received)` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (received: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>;
  /** Resolves when the server ended its side or destroyed the stream. */
  closed(timeoutMs?: number): Promise<void>;
  readonly isClosed: boolean;
  stopReading(): void;
  startReading(): void;
}

export function createStreamPair(): StreamPair {
  const serverEnd = new PairEnd();
  const clientEnd = new PairEnd();
  serverEnd.peer = clientEnd;
  clientEnd.peer = serverEnd;
  const chunks: Buffer[] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  // Waiters are checked once per turn of the event loop, not per chunk: a burst of chunks
  // (thousands of pipelined responses released at once) is then one check over the bytes
  // instead of one re-parse of everything received per chunk (quadratic).
  let notifyScheduled = false;
  const notify = (): void => {
    if (notifyScheduled) return;
    notifyScheduled = true;
    setImmediate(() => {
      notifyScheduled = false;
      for (const waiter of [...waiters]) waiter();
    });
  };
  clientEnd.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    notify();
  });
  clientEnd.on('end', () => {
    ended = true;
    notify();
  });
  clientEnd.on('close', () => {
    ended = true;
    notify();
  });
  clientEnd.on('error', () => undefined);
  serverEnd.on('error', () => undefined);

  const waitUntil = (test: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!test()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 2000))}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const client: ClientEnd = {
    write: (data) => {
      clientEnd.write(data);
    },
    end: () => clientEnd.end(),
    received: () => Buffer.concat(chunks),
    async waitFor(predicate, timeoutMs = 3000) {
      await waitUntil(() => predicate(Buffer.concat(chunks)), timeoutMs, 'the expected bytes');
      return Buffer.concat(chunks);
    },
    closed: (timeoutMs = 3000) => waitUntil(() => ended, timeoutMs, 'the server to close'),
    get isClosed() {
      return ended;
    },
    stopReading() {
      clientEnd.reading = false;
    },
    startReading() {
      clientEnd.reading = true;
      serverEnd.releaseHeld();
    },
  };
  return { server: serverEnd, client };
}
