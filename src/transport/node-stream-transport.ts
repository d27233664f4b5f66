/**
 * The transport on Node's streams: a `node:net` socket, a `node:tls` socket, or any duplex
 * stream (the tests' in-memory pairs). Its listeners are shared functions that find the
 * handler through a symbol on the stream, not closures per connection: 10,000 idle
 * connections cost about 1 KiB less each.
 */
import type { Duplex } from 'node:stream';
import type { Transport, TransportHandler } from './transport.js';

/** A duplex stream; net.Socket and tls.TLSSocket add the addresses and the ALPN result. */
export interface NodeStream extends Duplex {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly alpnProtocol?: string | false | null;
  readonly bytesWritten?: number;
}

/** Where a stream's listeners find their handler. */
const HANDLER = Symbol('porta.transport-handler');

type HandledStream = NodeStream & { [HANDLER]: TransportHandler };

function onStreamData(this: HandledStream, chunk: Buffer): void {
  this[HANDLER].onData(chunk);
}
function onStreamEnd(this: HandledStream): void {
  this[HANDLER].onEnd();
}
function onStreamError(this: HandledStream, error: Error): void {
  this[HANDLER].onError(error);
}
function onStreamClose(this: HandledStream): void {
  this[HANDLER].onClose();
}
function onStreamDrain(this: HandledStream): void {
  this[HANDLER].onDrain();
}

export class NodeStreamTransport implements Transport {
  constructor(private readonly stream: NodeStream) {
    // Read now, while the socket surely has it (for the access log); Node keeps it on the
    // socket from then on, also after the close.
    void stream.remoteAddress;
  }

  attach(handler: TransportHandler): void {
    const stream = this.stream as NodeStream & { [HANDLER]?: TransportHandler };
    stream[HANDLER] = handler;
    stream.on('data', onStreamData);
    stream.on('end', onStreamEnd);
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
    stream.on('drain', onStreamDrain);
  }

  write(data: Buffer): boolean {
    return this.stream.write(data);
  }

  writeLatin1(text: string): boolean {
    return this.stream.write(text, 'latin1');
  }

  cork(): void {
    this.stream.cork();
  }

  uncork(): void {
    this.stream.uncork();
  }

  get writableLength(): number {
    return this.stream.writableLength;
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  isPaused(): boolean {
    return this.stream.isPaused();
  }

  end(): void {
    this.stream.end();
  }

  destroy(): void {
    this.stream.destroy();
  }

  onceDrained(callback: () => void): void {
    this.stream.once('drain', callback);
  }

  onceClosed(callback: () => void): () => void {
    const stream = this.stream;
    if (stream.closed) {
      process.nextTick(callback);
      return () => {};
    }
    stream.once('close', callback);
    return () => stream.off('close', callback);
  }

  get remoteAddress(): string | undefined {
    return this.stream.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.stream.remotePort;
  }

  get localAddress(): string | undefined {
    return this.stream.localAddress;
  }

  get localPort(): number | undefined {
    return this.stream.localPort;
  }

  get bytesWritten(): number {
    return this.stream.bytesWritten ?? 0;
  }

  get alpnProtocol(): string | undefined {
    return this.stream.alpnProtocol || undefined;
  }
}
