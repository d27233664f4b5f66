/**
 * The request body of one exchange, read from the connection's buffered bytes on demand.
 * The connection owns the bytes and the socket; this object decodes the framing (length or
 * chunked), enforces the body limit while it reads, and either hands the content to the
 * handler's stream (with backpressure: nothing more is decoded while the stream is full)
 * or discards it (draining after a response that did not need it).
 */
import { Readable } from 'node:stream';
import { ChunkedDecoder } from './chunked-decoder.js';
import { HttpError } from './http-error.js';
import { BodyError, type RequestBody } from './request-body.js';
import type { BodyFraming } from './request.js';

/** What the body needs from its connection. */
export interface BodyOwner {
  /** The handler asked for the content: send 100 Continue if owed, and start feeding. */
  bodyWanted(): void;
  /** Decode what is buffered, if the body wants bytes now. */
  pumpBody(): void;
}

type Mode = 'unread' | 'streaming' | 'draining' | 'done' | 'failed';

/** Stream buffer for the handler: how much decoded content may wait for it to read. */
const STREAM_HIGH_WATER = 64 * 1024;

export class BodyReader implements RequestBody {
  readonly present = true;
  readonly length: number | undefined;
  private mode: Mode = 'unread';
  private remaining: number;
  private readonly decoder: ChunkedDecoder | undefined;
  private readable: Readable | undefined;
  /** The stream asked for more since the last push that returned false. */
  private streamWantsMore = false;
  /** Content bytes taken from the wire so far (decoded, for chunked). */
  received = 0;
  /** Set when the body failed: the status the exchange ends with, and the connection closes. */
  failure: HttpError | undefined;

  constructor(
    private readonly owner: BodyOwner,
    framing: Exclude<BodyFraming, { kind: 'none' }>,
    maxBodyBytes: number,
  ) {
    if (framing.kind === 'length') {
      this.length = framing.length;
      this.remaining = framing.length;
      this.decoder = undefined;
    } else {
      this.length = undefined;
      this.remaining = 0;
      this.decoder = new ChunkedDecoder(maxBodyBytes);
    }
  }

  get finished(): boolean {
    return this.mode === 'done' || this.mode === 'failed';
  }

  get draining(): boolean {
    return this.mode === 'draining';
  }

  /** The handler is reading the content through its stream (and has not let it go). */
  get streaming(): boolean {
    return this.mode === 'streaming';
  }

  /** The handler asked for the content at some point (100 Continue may have gone out). */
  get requested(): boolean {
    return this.readable !== undefined;
  }

  /** Bytes the declared length still owes; undefined for chunked content. */
  get remainingLength(): number | undefined {
    return this.decoder === undefined ? this.remaining : undefined;
  }

  stream(): Readable {
    if (this.readable !== undefined) return this.readable;
    const readable = new Readable({
      highWaterMark: STREAM_HIGH_WATER,
      read: () => {
        this.streamWantsMore = true;
        this.owner.pumpBody();
      },
    });
    this.readable = readable;
    // The handler owns this stream's errors, but it may not be listening yet: a PUT opens
    // its temporary file before it reads, and a client that resets the connection in that
    // window fails the body. Without a listener that failure would be an unhandled 'error'
    // event and end the process. The consumer still sees the error through read() or
    // for-await, which reject with it whether or not other listeners exist.
    readable.on('error', ignoreUnobservedFailure);
    if (this.mode === 'unread') {
      this.mode = 'streaming';
      this.owner.bodyWanted();
    } else if (this.mode === 'done') {
      readable.push(null);
    } else if (this.mode === 'failed' && this.failure !== undefined) {
      readable.destroy(new BodyError(this.failure));
    } else {
      readable.destroy(new Error('the request body was already discarded'));
    }
    return readable;
  }

  discard(): void {
    if (this.mode !== 'unread' && this.mode !== 'streaming') return;
    this.mode = 'draining';
    const readable = this.readable;
    // A stream the handler abandoned is ended quietly; its consumer is gone.
    if (readable !== undefined && !readable.destroyed) readable.destroy();
    this.owner.pumpBody();
  }

  /** True when bytes from the wire should be decoded now. */
  wantsBytes(): boolean {
    return this.mode === 'draining' || (this.mode === 'streaming' && this.streamWantsMore);
  }

  /**
   * Decodes from buf[start..end) and returns how many bytes were the body's. Stops early when
   * the body ends (the rest is the next request) or the handler's stream is full. A framing
   * error or the body limit fails the body (see `failure`) and consumes nothing more.
   */
  take(buf: Buffer, start: number, end: number): number {
    if (!this.wantsBytes()) return 0;
    try {
      if (this.decoder !== undefined) {
        const consumed = this.decoder.feed(buf, start, end, (piece) => this.deliver(piece));
        this.received = this.decoder.received;
        if (this.decoder.done) this.complete();
        return consumed;
      }
      const take = Math.min(this.remaining, end - start);
      this.remaining -= take;
      this.received += take;
      if (take > 0) this.deliver(buf.subarray(start, start + take));
      if (this.remaining === 0) this.complete();
      return take;
    } catch (error) {
      this.fail(error instanceof HttpError ? error : new HttpError(400, 'The request body is malformed.', { close: true }));
      return end - start;
    }
  }

  /** Ends the body with an error (malformed, too large, too slow). */
  fail(error: HttpError): void {
    if (this.finished) return;
    this.mode = 'failed';
    this.failure = error;
    const readable = this.readable;
    if (readable !== undefined && !readable.destroyed) readable.destroy(new BodyError(error));
  }

  /** Passes a piece of content on; false when the handler's stream is full. */
  private deliver(piece: Buffer): boolean {
    if (this.mode !== 'streaming') return true;
    const readable = this.readable as Readable;
    if (readable.destroyed) return true;
    const more = readable.push(piece);
    if (!more) this.streamWantsMore = false;
    return more;
  }

  private complete(): void {
    const streaming = this.mode === 'streaming';
    this.mode = 'done';
    if (streaming && this.readable !== undefined && !this.readable.destroyed) this.readable.push(null);
  }
}

/** Keeps a body failure that nobody is reading yet from becoming an uncaught exception. */
function ignoreUnobservedFailure(): void {}
