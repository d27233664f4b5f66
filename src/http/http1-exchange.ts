/**
 * One exchange on an HTTP/1.1 connection, from its head to the end of its response and
 * body: what the connection tracks about it (src/http/connection.ts). The connection holds
 * what outlives an exchange (the bytes it has not parsed, the deadlines between requests,
 * backpressure); everything here is made new for each request, so nothing of one exchange
 * can leak into the next.
 */
import type { BodyReader } from './body-reader.js';
import type { RequestHead } from './request.js';

export class Http1Exchange {
  /** `100 Continue` has gone out (RFC 9110 section 10.1.1). */
  continueSent = false;
  /** The answer has been handed to the writer. */
  answerStarted = false;
  /** The answer is written (the request body may still be read or drained). */
  responseDone = false;
  /** Body bytes received when draining began, to bound the drain. */
  drainFrom = 0;
  /** Since when the connection has waited for body bytes the handler wants; 0 when not. */
  bodyWaitSince = 0;
  /** The client-gone signal, once the handler has asked for it. */
  goneController: AbortController | undefined = undefined;
  /** The handler asked to count the client's half-close as leaving (a CGI program's work). */
  halfCloseIsLeaving = false;
  /** The client ended its side before the answer began, and the handler was told: no answer is sent. */
  abandoned = false;

  constructor(
    readonly head: RequestHead,
    /** The request body, when the head announced one. */
    readonly body: BodyReader | undefined,
  ) {}
}
