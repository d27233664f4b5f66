/**
 * One client connection: the state machine of docs/protocol.md (connections). What belongs to
 * the exchange in progress (its head, body, 100-continue, client-gone signal, body deadline)
 * lives on its Http1Exchange; what outlives exchanges (unparsed bytes, idle and send
 * deadlines, backpressure, the budget) lives here.
 *
 *   head --(head complete)--> busy --(response written and body done)--> head
 *
 * Requests are answered strictly one at a time, so pipelined requests are answered in
 * order; bytes that arrive meanwhile wait in `pending`, bounded: reading pauses past
 * PENDING_HIGH_WATER. A request's body is not read until its handler asks for it (see
 * BodyReader); what the handler leaves unread is drained when small, else the connection
 * closes after the response. When the site answers synchronously (a cached file) a whole
 * pipelined batch is answered in one loop under transport.cork(), so it leaves in one write,
 * but never more than SEND_HIGH_WATER ahead of what the client has read: past it, the
 * connection stops reading and answering until the socket drains (backpressure).
 *
 * Every state has a deadline, checked by the shared sweeper:
 * - idle, before the first byte of a next request: the keep-alive timeout (408, close);
 *   empty lines between requests do not reset it;
 * - a head being received: the header timeout from its first byte (408, close);
 * - a body being waited for: the header timeout again, from when the connection last
 *   waited for body bytes that did not come (408 through the body's stream, close);
 * - a response the client does not read: the send timeout, from when the socket's buffer
 *   filled and did not drain (the connection is abandoned);
 * - a closing connection: the lingering time, then it is destroyed.
 */
import { BodyReader, type BodyOwner } from './body-reader.js';
import type { BudgetMember, ByteBudget } from './byte-budget.js';
import type { DeadlineSweeper, HasDeadline } from './deadline-sweeper.js';
import type { InFlightExchanges } from './in-flight.js';
import { errorResponse, statusPageResponse } from './error-page.js';
import type { ClientGoneOptions, CompletedExchange, HttpRequest, RequestHandler } from './handler.js';
import { checkIncompleteHead, findHeadEnd, parseRequestHead, skipLeadingEmptyLines } from './head-parser.js';
import { HttpError } from './http-error.js';
import { Http1Exchange } from './http1-exchange.js';
import type { HttpLimits } from './limits.js';
import { NO_BODY } from './request-body.js';
import type { Peer, RequestHead } from './request.js';
import { releaseBody, type HttpResponse } from './response.js';
import { writeResponse, type ResponseContext, type WriteBlockedListener, type WriteOutcome } from './response-writer.js';
import type { Transport, TransportHandler } from '../transport/transport.js';

export type { CompletedExchange, RequestHandler } from './handler.js';

export interface ConnectionContext {
  readonly limits: HttpLimits;
  /** The value of the Server field. */
  readonly serverField: string;
  readonly handle: RequestHandler;
  readonly onExchange: (exchange: CompletedExchange) => void;
  /** Unexpected failures (a handler bug, an I/O error mid-body), for the server's log. */
  readonly onInternalError: (error: unknown) => void;
  readonly sweeper: DeadlineSweeper;
  /** The server-wide budget for request bytes held in memory. */
  readonly budget: ByteBudget;
  /** Exchanges begun and not yet logged, so a graceful stop can wait for their log lines. */
  readonly inFlight?: InFlightExchanges;
}

type State = 'head' | 'busy' | 'closed';

/** Unparsed bytes beyond this pause reading from the client. */
export const PENDING_HIGH_WATER = 64 * 1024;
/** Response bytes queued for a client that does not read, beyond which answering pauses. */
export const SEND_HIGH_WATER = 64 * 1024;
/** An unread body up to this size is read and discarded so the connection stays usable. */
export const DRAIN_LIMIT = 64 * 1024;
/** How long a closing connection keeps reading (and discarding) before it is destroyed. */
const LINGER_MS = 2000;
const CONTINUE_LINE = 'HTTP/1.1 100 Continue\r\n\r\n';

/**
 * The connection is also the request's Peer: its addresses are the socket's, which Node reads
 * from the kernel once and keeps (they stay readable after the socket closes, which matters
 * for the log line of an answer finished after the client left).
 */
export class HttpConnection implements HasDeadline, BodyOwner, BudgetMember, Peer, WriteBlockedListener, TransportHandler {
  deadline = 0;
  private state: State = 'head';
  private pending: Buffer | undefined;
  /** Bytes of `pending` counted in the server's budget. */
  private budgeted = 0;
  /** Reading stopped because the server's budget is spent. */
  private waitingForBudget = false;
  /** Where to resume searching for the end of the head in `pending`. */
  private scanFrom = 0;
  /** When the first byte of the current head arrived; 0 while idle. */
  private headStartedAt = 0;
  /** performance.now() when headStartedAt was set: the access log's duration, in microseconds. */
  private headStartedHr = 0;
  /** When the connection became idle (waiting for a next request). */
  private idleSince: number;
  private clientEnded = false;
  /** No request has been answered yet: the first must arrive within the header timeout. */
  private fresh = true;
  /** Version of the last request line seen, so server-made answers suit an HTTP/1.0 client. */
  private lastVersion: 'HTTP/1.1' | 'HTTP/1.0' = 'HTTP/1.1';
  private shuttingDown = false;
  /** True while processRequests() runs; nested completions just return to it. */
  private looping = false;
  /** Set once the connection is closing: the deadline then ends the lingering close. */
  private lingering = false;
  /** The exchange in progress (state 'busy'), until its response and body are done. */
  private exchange: Http1Exchange | undefined;
  /** Since when the socket's buffer has been full; 0 when it is not. */
  private sendBlockedSince = 0;
  /** Answering paused until the socket drains. */
  private awaitingDrain = false;

  constructor(
    private readonly transport: Transport,
    private readonly context: ConnectionContext,
    private readonly onClosed: (connection: HttpConnection) => void,
  ) {
    // Nagle is off from accept on (the listener's noDelay option); no extra setsockopt here.
    transport.attach(this);
    context.sweeper.add(this);
    this.idleSince = this.context.sweeper.now();
    // A new connection must send its first request within the header timeout.
    this.deadline = this.idleSince + context.limits.headerTimeoutMs;
  }

  // ---- Peer: the addresses (the local ones are asked of the kernel only when first needed) ----

  get remoteAddress(): string {
    return this.transport.remoteAddress ?? '-';
  }

  get remotePort(): number {
    return this.transport.remotePort ?? 0;
  }

  get localAddress(): string {
    return this.transport.localAddress ?? '-';
  }

  get localPort(): number {
    return this.transport.localPort ?? 0;
  }

  /** @internal (response writer) The socket's buffer is full: the send deadline starts. */
  onWriteBlocked(): void {
    if (this.sendBlockedSince === 0) {
      this.sendBlockedSince = this.context.sweeper.now();
      this.refreshDeadline();
    }
  }

  /** HttpRequest.clientGone of the exchange in progress (one function per connection, no allocation per request). */
  private readonly clientGone = (options?: ClientGoneOptions): AbortSignal => {
    const exchange = this.exchange;
    // Asked after its exchange is over: that client is gone as far as the handler goes.
    if (exchange === undefined) return AbortSignal.abort();
    const controller = (exchange.goneController ??= new AbortController());
    if (options?.halfCloseCounts === true) exchange.halfCloseIsLeaving = true;
    if (!exchange.answerStarted && (this.state === 'closed' || (this.clientEnded && exchange.halfCloseIsLeaving))) {
      // Gone already (see onEnd): before the handler asked.
      if (this.state !== 'closed') exchange.abandoned = true;
      this.signalClientGone(exchange);
    }
    return controller.signal;
  };

  /** The client left while the exchange's handler was still working on the answer: tell it. */
  private signalClientGone(exchange: Http1Exchange | undefined): void {
    const controller = exchange?.goneController;
    if (exchange === undefined || controller === undefined || exchange.answerStarted) return;
    exchange.goneController = undefined;
    controller.abort();
  }

  /** Graceful shutdown: idle connections close now, busy ones after their response. */
  shutdown(): void {
    this.shuttingDown = true;
    if (this.state === 'head' && this.headStartedAt === 0) this.close();
  }

  destroy(): void {
    this.deadline = 0;
    this.transport.destroy();
  }

  // ---- TransportHandler: what the transport tells the connection ----

  onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.pending = this.pending === undefined || this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.syncBudget();
    if (this.state === 'head') this.processRequests();
    else if (this.exchange?.body !== undefined && !this.exchange.body.finished) this.pumpBody();
    this.syncBudget();
    if ((this.state as State) === 'closed') return;
    const held = this.pending?.length ?? 0;
    if (held > PENDING_HIGH_WATER) {
      this.transport.pause();
    } else if (held > 0 && this.context.budget.exhausted) {
      // The server holds too many request bytes: this connection waits for room.
      this.waitingForBudget = true;
      this.context.budget.wait(this);
      this.transport.pause();
    }
  }

  /** Keeps the server's budget in step with what this connection holds. */
  private syncBudget(): void {
    const held = this.pending?.length ?? 0;
    if (held !== this.budgeted) {
      this.context.budget.adjust(held - this.budgeted);
      this.budgeted = held;
    }
  }

  resumeFromBudget(): void {
    this.waitingForBudget = false;
    if (this.state !== 'closed' && !this.awaitingDrain && (this.pending?.length ?? 0) <= PENDING_HIGH_WATER) this.transport.resume();
  }

  onEnd(): void {
    this.clientEnded = true;
    // A half-closed client still gets the answers to what it sent (allowHalfOpen), but a
    // head or body cut short by the end will never complete.
    if (this.state === 'head' && !this.awaitingDrain) {
      this.processRequests();
      if (this.state === 'head') this.close();
      return;
    }
    if (this.state !== 'busy') return;
    const exchange = this.exchange;
    // The body fails only if it is still short once the buffered bytes are used.
    if (exchange?.body !== undefined && !exchange.body.finished) this.pumpBody();
    if (exchange?.goneController !== undefined && exchange.halfCloseIsLeaving && !exchange.answerStarted && this.state === 'busy') {
      // A handler still working (a CGI program) for a client that has ended its side: the
      // client is taken to have left, as nginx takes it, so the work stops and its answer,
      // when it comes, is not sent. Answers that were ready in time are still sent.
      exchange.abandoned = true;
      this.signalClientGone(exchange);
    }
  }

  /** A socket error (a reset, a TLS failure): nothing more can be said; the close follows. */
  onError(): void {
    this.destroy();
  }

  onClose(): void {
    this.state = 'closed';
    this.deadline = 0;
    this.pending = undefined;
    this.syncBudget();
    this.context.budget.forget(this);
    const body = this.exchange?.body;
    if (body !== undefined && !body.finished) body.fail(new HttpError(400, 'The connection closed before the whole request body arrived.', { close: true }));
    this.signalClientGone(this.exchange);
    this.context.sweeper.delete(this);
    this.onClosed(this);
  }

  onDrain(): void {
    this.sendBlockedSince = 0;
    if (this.state === 'closed') return;
    if (this.awaitingDrain) {
      this.awaitingDrain = false;
      this.startNextRequest();
    } else {
      this.refreshDeadline();
    }
  }

  /**
   * Answers every complete request in `pending`, in order, for as long as the answers come
   * synchronously; an asynchronous answer resumes the loop when it has been written.
   */
  private processRequests(): void {
    if (this.looping || this.awaitingDrain) return;
    this.looping = true;
    const transport = this.transport;
    let corked = false;
    try {
      for (let round = 0; this.state === 'head' && !this.awaitingDrain; round++) {
        // From the second request of a batch on, hold the writes so the batch leaves in one.
        if (round > 0 && !corked && this.pending !== undefined) {
          transport.cork();
          corked = true;
        }
        if (!this.parseNextHead()) break;
      }
    } finally {
      this.looping = false;
      if (corked) transport.uncork();
      this.syncBudget();
    }
  }

  /** Parses one head from `pending` and starts its exchange; false when there is none (yet). */
  private parseNextHead(): boolean {
    const buf = this.pending;
    if (buf === undefined) return false;
    const skip = skipLeadingEmptyLines(buf, 0, buf.length);
    if (skip === buf.length) {
      // Only empty lines (RFC 9112 section 2.2 lets us ignore them): still idle, and the
      // idle deadline keeps running.
      this.pending = undefined;
      this.scanFrom = 0;
      return false;
    }
    if (this.headStartedAt === 0) {
      this.headStartedAt = this.context.sweeper.now();
      this.headStartedHr = performance.now();
      this.deadline = this.headStartedAt + this.context.limits.headerTimeoutMs;
    }
    const headEnd = findHeadEnd(buf, skip, buf.length, this.scanFrom);
    let head: RequestHead;
    try {
      if (headEnd === -1) {
        checkIncompleteHead(buf, skip, buf.length, this.context.limits);
        this.scanFrom = buf.length;
        // The client half-closed in the middle of a head: nothing more will come.
        if (this.clientEnded) this.close();
        return false;
      }
      head = parseRequestHead(buf, skip, headEnd, this.context.limits);
    } catch (error) {
      this.failBeforeRequest(error, buf, skip);
      return false;
    }
    this.pending = headEnd === buf.length ? undefined : buf.subarray(headEnd);
    this.scanFrom = 0;
    this.startExchange(head);
    return true;
  }

  private startExchange(head: RequestHead): void {
    const framing = head.bodyFraming;
    const limit = this.context.limits.maxBodyBytes;
    this.lastVersion = head.version;
    if (framing.kind === 'length' && framing.length > limit) {
      // Too large to drain cheaply: answer and close (docs/protocol.md).
      this.answerAndClose(errorResponse(new HttpError(413, `The request body is larger than ${limit} bytes.`, { close: true })), head.requestLine, head);
      return;
    }
    if (framing.kind !== 'none' && this.context.budget.exhaustedBeyond(this.budgeted)) {
      // The server holds as many request bytes as it may: no new bodies until that eases.
      const busy = new HttpError(503, 'The server is busy receiving other requests; try again shortly.', { close: true, headers: [['Retry-After', '5']] });
      this.answerAndClose(errorResponse(busy), head.requestLine, head);
      return;
    }
    this.state = 'busy';
    this.deadline = 0;
    this.context.inFlight?.begin();
    const body = framing.kind === 'none' ? undefined : new BodyReader(this, framing, limit);
    const exchange = new Http1Exchange(head, body);
    this.exchange = exchange;
    const request: HttpRequest = {
      method: head.method,
      target: head.target,
      version: head.version,
      requestLine: head.requestLine,
      fields: head.fields,
      rawHead: head.rawHead,
      pathAndQuery: head.pathAndQuery,
      authority: head.authority,
      bodyFraming: head.bodyFraming,
      keepAlive: head.keepAlive,
      expectContinue: head.expectContinue,
      body: body ?? NO_BODY,
      peer: this,
      receivedAt: this.headStartedAt,
      clientGone: this.clientGone,
    };
    let result: HttpResponse | Promise<HttpResponse>;
    try {
      result = this.context.handle(request);
    } catch (error) {
      result = this.responseForError(error);
    }
    if (result instanceof Promise) {
      result.then(
        (response) => this.send(exchange, response),
        (error: unknown) => this.send(exchange, this.responseForError(error)),
      );
    } else {
      this.send(exchange, result);
    }
  }

  // ---- The request body (BodyOwner) ----

  /** RFC 9110 section 10.1.1: the handler wants the content, so tell a waiting client to send it. */
  bodyWanted(): void {
    const exchange = this.exchange;
    if (exchange?.head.expectContinue === true && !exchange.continueSent && (this.pending?.length ?? 0) === 0 && this.state === 'busy') {
      exchange.continueSent = true;
      this.transport.writeLatin1(CONTINUE_LINE);
    }
  }

  /** Moves body bytes from `pending` into the body for as long as it wants them. */
  pumpBody(): void {
    const exchange = this.exchange;
    const body = exchange?.body;
    if (exchange === undefined || body === undefined || this.state === 'closed') return;
    while (!body.finished && body.wantsBytes()) {
      const buf = this.pending;
      if (buf === undefined || buf.length === 0) break;
      const consumed = body.take(buf, 0, buf.length);
      this.pending = consumed >= buf.length ? undefined : buf.subarray(consumed);
      if (body.draining && body.received - exchange.drainFrom > DRAIN_LIMIT) {
        // Too much to throw away: close after the response instead.
        body.fail(new HttpError(413, 'The unread request body is too large to skip.', { close: true }));
      }
      if (consumed === 0) break;
    }
    this.syncBudget();
    if (body.finished) {
      exchange.bodyWaitSince = 0;
      if (body.failure !== undefined && exchange.responseDone) {
        // The response is out and the rest of the body is unusable: close.
        this.close();
        return;
      }
      this.maybeFinishExchange();
      return;
    }
    if (body.wantsBytes() && this.clientEnded) {
      body.fail(new HttpError(400, 'The client closed its side before sending the whole request body.', { close: true }));
      this.pumpBody();
      return;
    }
    if (body.wantsBytes()) {
      // Waiting for the client: read from it, under the body deadline.
      if (exchange.bodyWaitSince === 0) exchange.bodyWaitSince = this.context.sweeper.now();
      if (this.transport.isPaused() && !this.awaitingDrain) this.transport.resume();
    } else {
      exchange.bodyWaitSince = 0;
    }
    this.refreshDeadline();
  }

  // ---- Responses ----

  private responseForError(error: unknown): HttpResponse {
    if (error instanceof HttpError) {
      if (error.options.cause !== undefined) this.context.onInternalError(error.options.cause);
      return errorResponse(error);
    }
    this.context.onInternalError(error);
    return statusPageResponse(500, 'The server failed while answering this request.');
  }

  /** Whether the unread rest of the body forces the connection to close after this response. */
  private unreadBodyForcesClose(exchange: Http1Exchange): boolean {
    const body = exchange.body;
    if (body === undefined || body.finished) return body?.failure !== undefined;
    // The client may still be waiting for 100 Continue and never send the body.
    if (exchange.head.expectContinue && !exchange.continueSent && !body.requested) return true;
    // Still being read by the handler: judged when the response is out (maybeFinishExchange).
    if (body.streaming) return false;
    const remaining = body.remainingLength;
    return remaining !== undefined && remaining > DRAIN_LIMIT;
  }

  private send(exchange: Http1Exchange, response: HttpResponse): void {
    const head = exchange.head;
    if (this.state === 'closed' || exchange.abandoned) {
      // The client left before the answer was ready; the log still says what it would have got.
      releaseBody(response);
      this.logExchange(head.requestLine, head, response.status, 0, response.user);
      if (this.state !== 'closed') this.destroy();
      return;
    }
    exchange.answerStarted = true;
    exchange.goneController = undefined;
    const body = exchange.body;
    const closeForBody = this.unreadBodyForcesClose(exchange);
    // A handler still reading the body (a CGI program answering while it reads its input)
    // keeps it until the response is out; only then is the rest drained.
    if (body !== undefined && !body.finished && !closeForBody && !body.streaming) {
      // Drain the rest while the response goes out.
      exchange.drainFrom = body.received;
      body.discard();
    }
    // A half-closed client still gets every pipelined answer; the close comes after the last.
    const keepAlive = head.keepAlive && !this.shuttingDown && response.close !== true && !closeForBody;
    const context: ResponseContext = {
      method: head.method,
      version: head.version,
      keepAlive,
      serverField: this.context.serverField,
      writeBlocked: this,
    };
    let outcome: WriteOutcome | Promise<WriteOutcome>;
    try {
      outcome = writeResponse(this.transport, response, context);
    } catch (error) {
      // Formatting failed (a handler produced an invalid field): answer 500 instead.
      this.context.onInternalError(error);
      response = statusPageResponse(500, 'The server produced an invalid response.');
      outcome = writeResponse(this.transport, response, context);
    }
    if (outcome instanceof Promise) {
      const status = response.status;
      const user = response.user;
      void outcome.then((done) => this.afterResponse(exchange, status, user, done));
    } else {
      this.afterResponse(exchange, response.status, response.user, outcome);
    }
  }

  private afterResponse(exchange: Http1Exchange, status: number, user: string | undefined, outcome: WriteOutcome): void {
    const head = exchange.head;
    this.logExchange(head.requestLine, head, status, outcome.bodyBytes, user);
    if (outcome.error !== undefined) {
      // The head is out and the body failed midway: nothing more can be said on this connection.
      if (this.state !== 'closed') this.context.onInternalError(outcome.error);
      this.destroy();
      return;
    }
    if (this.state === 'closed') return;
    if (outcome.mustClose) {
      this.close();
      return;
    }
    exchange.responseDone = true;
    this.maybeFinishExchange();
  }

  /** The exchange ends when the response is written and the body fully read or drained. */
  private maybeFinishExchange(): void {
    const exchange = this.exchange;
    if (this.state !== 'busy' || exchange === undefined || !exchange.responseDone) return;
    const body = exchange.body;
    if (body !== undefined && !body.finished) {
      if (body.streaming) {
        // The response is out and the handler has not read to the end: drain the rest.
        exchange.drainFrom = body.received;
        body.discard();
      }
      this.pumpBody();
      return;
    }
    if (body?.failure !== undefined) {
      this.close();
      return;
    }
    this.state = 'head';
    this.fresh = false;
    this.exchange = undefined;
    this.headStartedAt = 0;
    if (this.transport.writableLength > SEND_HIGH_WATER) {
      // The client is not reading: answer nothing more, and read nothing more, until it does.
      this.awaitingDrain = true;
      this.transport.pause();
      this.refreshDeadline();
      return;
    }
    this.startNextRequest();
  }

  private startNextRequest(): void {
    if (this.state !== 'head') return;
    if (this.transport.isPaused() && !this.waitingForBudget && (this.pending?.length ?? 0) <= PENDING_HIGH_WATER) this.transport.resume();
    this.idleSince = this.context.sweeper.now();
    if (this.pending !== undefined && this.pending.length > 0) {
      // Inside the loop the next request is taken there; after an asynchronous answer the
      // loop starts again here.
      this.refreshDeadline();
      if (!this.looping) this.processRequests();
      return;
    }
    this.pending = undefined;
    if (this.clientEnded || this.shuttingDown) this.close();
    else this.refreshDeadline();
  }

  /** Sets the deadline for the state the connection is in (see the list at the top). */
  private refreshDeadline(): void {
    const limits = this.context.limits;
    if (this.state === 'closed') return;
    let deadline = 0;
    if (this.awaitingDrain) {
      // Only the send timeout runs while the client is not reading.
    } else if (this.state === 'head') {
      deadline = this.headDue();
    } else if (this.exchange !== undefined && this.exchange.bodyWaitSince !== 0) {
      deadline = this.exchange.bodyWaitSince + limits.headerTimeoutMs;
    }
    if (this.sendBlockedSince !== 0) {
      const send = this.sendBlockedSince + limits.sendTimeoutMs;
      if (deadline === 0 || send < deadline) deadline = send;
    }
    this.deadline = deadline;
  }

  /** When the head being received (header timeout) or the wait for one (idle timeout) runs out. */
  private headDue(): number {
    return this.headStartedAt !== 0 ? this.headStartedAt + this.context.limits.headerTimeoutMs : this.idleSince + this.idleTimeoutMs();
  }

  /** A new connection gets the header timeout for its first request, later ones the keep-alive timeout. */
  private idleTimeoutMs(): number {
    return this.fresh ? this.context.limits.headerTimeoutMs : this.context.limits.keepAliveTimeoutMs;
  }

  /** A head that cannot be parsed: answer with its status and close (docs/protocol.md, connections). */
  private failBeforeRequest(error: unknown, buf: Buffer, start: number): void {
    const httpError = error instanceof HttpError ? error : new HttpError(400, 'The request could not be parsed.', { close: true });
    this.answerAndClose(errorResponse(httpError), this.partialRequestLine(buf, start), undefined);
  }

  /**
   * What did arrive of a request line that will not be served, for the log: at most 1 KiB up
   * to its end, '-' when nothing came (as Apache logs it). An HTTP/1.0 one makes the answer
   * suit an HTTP/1.0 client.
   */
  private partialRequestLine(buf: Buffer, start: number): string {
    const lf = buf.indexOf(0x0a, start);
    const end = Math.min(lf === -1 ? buf.length : lf, start + 1024);
    const line = buf.toString('latin1', start, end).replace(/\r$/, '');
    if (line.endsWith(' HTTP/1.0')) this.lastVersion = 'HTTP/1.0';
    return line === '' ? '-' : line;
  }

  /** Sends a server-made response (400, 408, 413...) and closes: the stream is out of sync. */
  private answerAndClose(response: HttpResponse, requestLine: string, head: RequestHead | undefined): void {
    this.state = 'busy';
    this.deadline = 0;
    this.context.inFlight?.begin();
    this.pending = undefined;
    this.syncBudget();
    const context: ResponseContext = {
      method: head?.method ?? 'GET',
      version: head?.version ?? this.lastVersion,
      keepAlive: false,
      serverField: this.context.serverField,
      writeBlocked: this,
    };
    const outcome = writeResponse(this.transport, { ...response, close: true }, context);
    void Promise.resolve(outcome).then(({ bodyBytes }) => {
      this.logExchange(requestLine, head, response.status, bodyBytes, undefined);
      this.close();
    });
  }

  private logExchange(requestLine: string, head: RequestHead | undefined, status: number, bodyBytes: number, user: string | undefined): void {
    this.context.inFlight?.end();
    this.context.onExchange({
      peer: this,
      receivedAt: this.headStartedAt || this.context.sweeper.now(),
      requestLine,
      status,
      bodyBytes,
      durationUs: this.headStartedAt !== 0 ? Math.round((performance.now() - this.headStartedHr) * 1000) : 0,
      user,
      referer: head?.fields.get('referer'),
      userAgent: head?.fields.get('user-agent'),
    });
  }

  /** The sweeper found a deadline passed; which one depends on the state. */
  onDeadline(): void {
    if (this.lingering) {
      this.transport.destroy();
      return;
    }
    const now = this.context.sweeper.now();
    const limits = this.context.limits;
    if (this.sendBlockedSince !== 0 && now >= this.sendBlockedSince + limits.sendTimeoutMs) {
      // The client has not read for the whole send timeout: abandon the response.
      this.destroy();
      return;
    }
    if (this.state === 'head' && !this.awaitingDrain) {
      if (now >= this.headDue()) {
        this.answerTimeout();
        return;
      }
    }
    const exchange = this.exchange;
    if (this.state === 'busy' && exchange !== undefined && exchange.bodyWaitSince !== 0 && now >= exchange.bodyWaitSince + limits.headerTimeoutMs) {
      const body = exchange.body;
      exchange.bodyWaitSince = 0;
      if (body !== undefined && !body.finished) {
        body.fail(new HttpError(408, 'The request body was not received within the time allowed.', { close: true }));
        // Already answered (draining): nothing more to say; otherwise the handler answers.
        if (exchange.responseDone) this.close();
        else this.refreshDeadline();
      }
      return;
    }
    this.refreshDeadline();
  }

  /** 408 and close (docs/protocol.md): idle too long, or a head too slow. */
  private answerTimeout(): void {
    const receivedSomething = this.headStartedAt !== 0 || (this.pending?.length ?? 0) > 0;
    const message = receivedSomething
      ? 'The request was not received completely within the time allowed.'
      : 'The connection was idle for too long and is being closed.';
    const partial = this.pending;
    const requestLine = partial === undefined ? '-' : this.partialRequestLine(partial, skipLeadingEmptyLines(partial, 0, partial.length));
    this.answerAndClose(statusPageResponse(408, message, { close: true }), requestLine, undefined);
  }

  /** Half-closes now and keeps discarding input for a while so the client reads our last response (lingering close). */
  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const body = this.exchange?.body;
    if (body !== undefined && !body.finished) body.fail(new HttpError(400, 'The connection closed before the whole request body arrived.', { close: true }));
    this.pending = undefined;
    this.syncBudget();
    this.context.budget.forget(this);
    this.waitingForBudget = false;
    this.transport.end();
    this.transport.resume();
    this.lingering = true;
    this.deadline = this.context.sweeper.now() + LINGER_MS;
  }
}
