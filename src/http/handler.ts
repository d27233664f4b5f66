/**
 * What the HTTP layer hands to the layer above it, and what it gets back: a request (head,
 * streaming body, peer) and a response, for one exchange on a connection.
 */
import type { RequestBody } from './request-body.js';
import type { Peer, RequestHead } from './request.js';
import type { HttpResponse } from './response.js';

/** How HttpRequest.clientGone judges a client that half-closed. */
export interface ClientGoneOptions {
  readonly halfCloseCounts?: boolean;
}

/** A request as the handler sees it: the head, the content as a stream, and the peer. */
export interface HttpRequest extends RequestHead {
  readonly body: RequestBody;
  readonly peer: Peer;
  /** Time the first byte of this request's head arrived (ms since epoch). */
  readonly receivedAt: number;
  /**
   * A signal that aborts when the client leaves before this exchange's answer has gone out
   * (the connection closed), so work that would outlive its client stops: a CGI program, a
   * compression waiting for its turn. With `halfCloseCounts`, the client ending its side
   * before the answer began counts as leaving too (as nginx counts it for a program's
   * answer), and the answer is then not sent. Made on the first call. Absent when no
   * connection made the request.
   */
  readonly clientGone?: (options?: ClientGoneOptions) => AbortSignal;
}

/**
 * Answers a request, synchronously when it can (the cached-file path costs no promise).
 * Throwing an HttpError answers with its status page; anything else thrown is a 500.
 */
export type RequestHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** One answered request, as the access log needs it. */
export interface CompletedExchange {
  readonly peer: Peer;
  readonly receivedAt: number;
  /** The request line as received, or '-' when nothing arrived (408 on an idle connection). */
  readonly requestLine: string;
  readonly status: number;
  /** Body bytes actually written (less than announced when the response was cut short). */
  readonly bodyBytes: number;
  /** Microseconds from the first byte of the request to the last byte of the answer handed to the socket (0 when no request arrived). */
  readonly durationUs: number;
  readonly user: string | undefined;
  readonly referer: string | undefined;
  readonly userAgent: string | undefined;
}
