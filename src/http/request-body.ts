/**
 * The content of a request, as the handler sees it (RFC 9112 section 6): a stream it may
 * read, or leave. Like Go's Request.Body, nothing is read until the handler asks, and
 * `100 Continue` (RFC 9110 section 10.1.1) is only sent on that first read, so a client
 * waiting for it never sends a body the server will refuse. What the handler leaves unread
 * is drained by the connection when it is small, or the connection is closed when not.
 */
import { Readable } from 'node:stream';
import type { HttpError } from './http-error.js';

export interface RequestBody {
  /** The request declared content: a non-zero Content-Length, or chunked. */
  readonly present: boolean;
  /** The declared Content-Length; undefined for chunked content or none. */
  readonly length: number | undefined;
  /**
   * The content as a byte stream with backpressure (the client is not read faster than the
   * stream is consumed). The limit on body size is enforced while streaming. A malformed,
   * oversized or stalled body ends the stream with a BodyError carrying the status to answer
   * (400, 408, 413); the connection then closes after the response. Calling it again returns
   * the same stream.
   */
  stream(): Readable;
  /** The handler will not read (the rest of) the content. */
  discard(): void;
}

/** Why a request body could not be read: the status to answer with. */
export class BodyError extends Error {
  constructor(readonly httpError: HttpError) {
    super(httpError.message);
    this.name = 'BodyError';
  }
}

/** A request without content. */
export const NO_BODY: RequestBody = Object.freeze({
  present: false,
  length: undefined,
  stream(): Readable {
    return Readable.from([]);
  },
  discard(): void {},
});
