/**
 * The transport on Bun's native sockets (`Bun.listen`), below Bun's `node:net` layer. Bun
 * hands a socket's events to one set of handlers per listener; each socket carries its
 * transport in `socket.data`. A native socket has no stream buffer: `write` says how many
 * bytes the kernel took, and the rest waits here for the socket's drain. cork/uncork gather
 * the writes in between into one.
 */
import type { Transport, TransportHandler } from './transport.js';

/** The part of a Bun socket this transport uses (Bun's own types are not in this build). */
export interface BunSocket {
  data: BunSocketTransport | undefined;
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly alpnProtocol?: string | false | null;
}

/**
 * Bytes queued beyond what the kernel took before `write` says "wait": the same mark as a
 * Node socket's default (16 KiB), so the HTTP codec's flow control behaves the same on both.
 */
const HIGH_WATER_MARK = 16 * 1024;

export class BunSocketTransport implements Transport {
  #handler: TransportHandler | undefined;
  /** Bytes the kernel has not taken yet, in order. */
  #queue: Buffer[] = [];
  #queued = 0;
  #corks = 0;
  #corked: Buffer[] = [];
  #corkedBytes = 0;
  #paused = false;
  /** end() was asked while bytes were still queued: it happens at the drain. */
  #ending = false;
  #closed = false;
  /** A write said "wait": a drain is owed once nothing is queued (as a Node stream's 'drain'). */
  #drainOwed = false;
  #written = 0;
  #drainWaiters: Array<() => void> = [];
  #closeWaiters: Array<() => void> = [];
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;

  constructor(private readonly socket: BunSocket) {
    socket.data = this;
    // Kept now, while the socket surely has them (the access log asks after the close).
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.localAddress = socket.localAddress;
    this.localPort = socket.localPort;
  }

  attach(handler: TransportHandler): void {
    this.#handler = handler;
  }

  // Events from the listener's handlers (net/bun-listener.ts).

  receive(chunk: Buffer): void {
    this.#handler?.onData(chunk);
  }

  peerEnded(): void {
    this.#handler?.onEnd();
  }

  failed(error: Error): void {
    this.#handler?.onError(error);
  }

  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queued = 0;
    this.#handler?.onClose();
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** The kernel can take more: send what waits, then tell whoever waits for a drain. */
  drained(): void {
    if (this.#closed || this.#queued === 0) return;
    const queue = this.#queue;
    while (queue.length > 0) {
      const head = queue[0] as Buffer;
      const taken = this.#take(head);
      if (taken < head.length) {
        queue[0] = head.subarray(taken);
        this.#queued -= taken;
        return;
      }
      queue.shift();
      this.#queued -= head.length;
    }
    if (this.#ending) this.socket.end();
    this.#emitDrain();
  }

  #emitDrain(): void {
    if (this.#closed) return;
    this.#drainOwed = false;
    this.#handler?.onDrain();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const waiter of waiters) waiter();
  }

  // Transport.

  write(data: Buffer): boolean {
    if (this.#closed) return false;
    let below: boolean;
    if (this.#corks > 0) {
      this.#corked.push(data);
      this.#corkedBytes += data.length;
      below = this.#queued + this.#corkedBytes < HIGH_WATER_MARK;
    } else {
      below = this.#send(data);
    }
    if (!below) this.#drainOwed = true;
    return below;
  }

  writeLatin1(text: string): boolean {
    return this.write(Buffer.from(text, 'latin1'));
  }

  cork(): void {
    this.#corks++;
  }

  uncork(): void {
    if (this.#corks === 0 || --this.#corks > 0) return;
    const parts = this.#corked;
    if (parts.length === 0) return;
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.#corkedBytes);
    this.#corked = [];
    this.#corkedBytes = 0;
    if (this.#closed) return;
    this.#send(bytes);
    // The kernel took it all: no drain event will come for the "wait" the cork gave.
    if (this.#drainOwed && this.#queued === 0) process.nextTick(() => this.#emitDrain());
  }

  get writableLength(): number {
    return this.#queued + this.#corkedBytes;
  }

  pause(): void {
    if (this.#paused || this.#closed) return;
    this.#paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.#paused || this.#closed) return;
    this.#paused = false;
    this.socket.resume();
  }

  isPaused(): boolean {
    return this.#paused;
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.uncorkAll();
    this.#ending = true;
    if (this.#queued === 0) this.socket.end();
  }

  destroy(): void {
    if (this.#closed) return;
    this.socket.terminate();
  }

  onceDrained(callback: () => void): void {
    this.#drainWaiters.push(callback);
    if (this.#queued === 0 && this.#corkedBytes === 0) process.nextTick(() => this.#emitDrain());
  }

  onceClosed(callback: () => void): () => void {
    if (this.#closed) {
      process.nextTick(callback);
      return () => {};
    }
    this.#closeWaiters.push(callback);
    return () => {
      const at = this.#closeWaiters.indexOf(callback);
      if (at !== -1) this.#closeWaiters.splice(at, 1);
    };
  }

  get alpnProtocol(): string | undefined {
    return this.socket.alpnProtocol || undefined;
  }

  get bytesWritten(): number {
    return this.#written;
  }

  /** Writes held by a cork are sent before our side ends. */
  private uncorkAll(): void {
    if (this.#corks === 0) return;
    this.#corks = 1;
    this.uncork();
  }

  #send(data: Buffer): boolean {
    if (data.length === 0) return this.#queued < HIGH_WATER_MARK;
    if (this.#queued === 0) {
      const taken = this.#take(data);
      if (taken === data.length) return true;
      data = data.subarray(taken);
    }
    this.#queue.push(data);
    this.#queued += data.length;
    return this.#queued < HIGH_WATER_MARK;
  }

  /** What the kernel took of `data` now (0 when the socket is gone or full). */
  #take(data: Buffer): number {
    const taken = this.socket.write(data);
    if (taken <= 0) return 0;
    this.#written += taken;
    return taken;
  }
}
