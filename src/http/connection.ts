/**
 * One client connection: the state machine of http.md section 3.
 *
 *   head --(head complete)--> body --(body complete)--> busy --(response written)--> head
 *
 * Requests are answered strictly one at a time, so pipelined requests are answered in
 * order; bytes that arrive meanwhile wait in `pending` (bounded: reading pauses when too
 * much is waiting). When the site answers synchronously (a cached file) a whole pipelined
 * batch is answered in one loop under socket.cork(), so it leaves in one write.
 * Time-outs: the keep-alive idle timeout while no byte of a next request has arrived, the
 * header timeout while a head (or body) is being received; both answer 408 and close.
 */
import type { Socket } from 'node:net';
import { ChunkedDecoder } from './chunked-decoder.js';
import type { DeadlineSweeper, HasDeadline } from './deadline-sweeper.js';
import { errorResponse, statusPageResponse } from './error-page.js';
import { checkIncompleteHead, findHeadEnd, parseRequestHead, skipLeadingEmptyLines } from './head-parser.js';
import { HttpError } from './http-error.js';
import type { HttpLimits } from './limits.js';
import type { HttpRequest, Peer, RequestHead } from './request.js';
import { releaseBody, type HttpResponse } from './response.js';
import { writeResponse, type ResponseContext, type WriteOutcome } from './response-writer.js';

/** One answered request, as the access log needs it. */
export interface CompletedExchange {
  readonly peer: Peer;
  readonly receivedAt: number;
  /** The request line as received, or '-' when nothing arrived (408 on an idle connection). */
  readonly requestLine: string;
  readonly status: number;
  readonly bodyBytes: number;
  readonly user: string | undefined;
  readonly referer: string | undefined;
  readonly userAgent: string | undefined;
}

export type RequestHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

export interface ConnectionContext {
  readonly limits: HttpLimits;
  readonly serverName: string;
  readonly handle: RequestHandler;
  readonly onExchange: (exchange: CompletedExchange) => void;
  /** Unexpected failures (a handler bug, an I/O error mid-body), for the server's log. */
  readonly onInternalError: (error: unknown) => void;
  readonly sweeper: DeadlineSweeper;
}

type State = 'head' | 'body' | 'busy' | 'closed';

/** Unparsed bytes beyond this (while busy) pause reading from the client. */
const PENDING_HIGH_WATER = 256 * 1024;
/** How long a closing connection keeps reading (and discarding) before it is destroyed. */
const LINGER_MS = 2000;
const CONTINUE_LINE = 'HTTP/1.1 100 Continue\r\n\r\n';
const EMPTY_BODY = Buffer.alloc(0);

/** Peer addresses read from the socket on first use and then kept (they outlive the socket). */
class SocketPeer implements Peer {
  private remote: { address: string; port: number } | undefined;
  private local: { address: string; port: number } | undefined;

  constructor(private readonly socket: Socket) {}

  private remoteInfo(): { address: string; port: number } {
    this.remote ??= { address: this.socket.remoteAddress ?? '-', port: this.socket.remotePort ?? 0 };
    return this.remote;
  }

  private localInfo(): { address: string; port: number } {
    this.local ??= { address: this.socket.localAddress ?? '-', port: this.socket.localPort ?? 0 };
    return this.local;
  }

  get remoteAddress(): string {
    return this.remoteInfo().address;
  }

  get remotePort(): number {
    return this.remoteInfo().port;
  }

  get localAddress(): string {
    return this.localInfo().address;
  }

  get localPort(): number {
    return this.localInfo().port;
  }
}

export class HttpConnection implements HasDeadline {
  deadline = 0;
  private state: State = 'head';
  private pending: Buffer | undefined;
  /** Where to resume searching for the end of the head in `pending`. */
  private scanFrom = 0;
  private headStartedAt = 0;
  private clientEnded = false;
  /** Version of the last request line seen, so server-made answers suit an HTTP/1.0 client. */
  private lastVersion: 'HTTP/1.1' | 'HTTP/1.0' = 'HTTP/1.1';
  private shuttingDown = false;
  /** True while processRequests() runs; nested completions just return to it. */
  private looping = false;
  private peerInfo: Peer | undefined;
  /** Set once the connection is closing: the deadline then ends the lingering close. */
  private lingering = false;
  // The body being read.
  private head: RequestHead | undefined;
  private bodyPieces: Buffer[] = [];
  private bodyRemaining = 0;
  private chunked: ChunkedDecoder | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly context: ConnectionContext,
    private readonly onClosed: (connection: HttpConnection) => void,
  ) {
    // Nagle is off from accept on (the server's noDelay option); no extra setsockopt here.
    // The remote address is read now, while the socket surely has it, for the access log.
    void this.peer.remoteAddress;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.onClose());
    context.sweeper.add(this);
    this.deadline = Date.now() + context.limits.headerTimeoutMs;
  }

  /** The addresses, asked of the kernel only when first needed (each is a system call). */
  private get peer(): Peer {
    this.peerInfo ??= new SocketPeer(this.socket);
    return this.peerInfo;
  }

  /** Graceful shutdown: idle connections close now, busy ones after their response. */
  shutdown(): void {
    this.shuttingDown = true;
    if (this.state === 'head' && (this.pending === undefined || this.pending.length === 0)) this.close();
  }

  destroy(): void {
    this.deadline = 0;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.pending = this.pending === undefined || this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.state === 'head' || this.state === 'body') this.processRequests();
    else if (this.pending.length > PENDING_HIGH_WATER) this.socket.pause();
  }

  private onEnd(): void {
    this.clientEnded = true;
    // A half-closed client still gets the answers to what it sent (allowHalfOpen), but a
    // head or body cut short by the end will never complete.
    if (this.state === 'head' || this.state === 'body') {
      this.processRequests();
      if (this.state === 'head' || this.state === 'body') this.close();
    }
  }

  private onClose(): void {
    this.state = 'closed';
    this.deadline = 0;
    this.context.sweeper.delete(this);
    this.onClosed(this);
  }

  /**
   * Answers every complete request in `pending`, in order, for as long as the answers come
   * synchronously; an asynchronous answer resumes the loop when it has been written.
   */
  private processRequests(): void {
    if (this.looping) return;
    this.looping = true;
    const socket = this.socket;
    let corked = false;
    try {
      for (let round = 0; ; round++) {
        // From the second request of a batch on, hold the writes so the batch leaves in one.
        if (round > 0 && !corked && this.pending !== undefined) {
          socket.cork();
          corked = true;
        }
        if (this.state === 'head') {
          if (!this.parseNextHead()) break;
        } else if (this.state === 'body') {
          if (!this.readBody()) break;
        } else {
          break;
        }
      }
    } finally {
      this.looping = false;
      if (corked) socket.uncork();
    }
  }

  /** Parses one head from `pending`; false when there is none (yet). */
  private parseNextHead(): boolean {
    const buf = this.pending;
    if (buf === undefined) return false;
    const skip = skipLeadingEmptyLines(buf, 0, buf.length);
    if (skip === buf.length) {
      this.pending = undefined;
      this.scanFrom = 0;
      return false;
    }
    if (this.headStartedAt === 0) {
      this.headStartedAt = Date.now();
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
    this.startBody(head);
    return true;
  }

  private startBody(head: RequestHead): void {
    const framing = head.bodyFraming;
    if (framing.kind === 'none') {
      // RFC 9110 section 15.5.12: a PUT or POST must say how long its content is.
      if ((head.method === 'PUT' || head.method === 'POST') && !head.fields.has('content-length')) {
        this.state = 'busy';
        this.deadline = 0;
        this.send(head, errorResponse(new HttpError(411, `A ${head.method} request needs a Content-Length (or chunked Transfer-Encoding).`)));
        return;
      }
      this.dispatch(head, EMPTY_BODY);
      return;
    }
    const limit = this.context.limits.maxBodyBytes;
    if (framing.kind === 'length' && framing.length > limit) {
      // Too large to drain cheaply: answer and close (http.md section 1).
      this.answerAndClose(errorResponse(new HttpError(413, `The request body is larger than ${limit} bytes.`, { close: true })), head.requestLine, head);
      return;
    }
    this.head = head;
    this.state = 'body';
    if (framing.kind === 'length') {
      this.bodyRemaining = framing.length;
      this.bodyPieces = [];
    } else {
      this.chunked = new ChunkedDecoder(limit);
    }
    // RFC 9110 section 10.1.1: tell a waiting client to send the body.
    if (head.expectContinue && (this.pending?.length ?? 0) === 0) this.socket.write(CONTINUE_LINE, 'latin1');
  }

  /** Moves body bytes from `pending`; true when the body completed and was dispatched. */
  private readBody(): boolean {
    const head = this.head as RequestHead;
    const buf = this.pending;
    if (buf === undefined || buf.length === 0) return false;
    let consumed: number;
    let complete: boolean;
    try {
      if (this.chunked) {
        consumed = this.chunked.feed(buf, 0, buf.length);
        complete = this.chunked.done;
      } else {
        consumed = Math.min(this.bodyRemaining, buf.length);
        this.bodyPieces.push(buf.subarray(0, consumed));
        this.bodyRemaining -= consumed;
        complete = this.bodyRemaining === 0;
      }
    } catch (error) {
      const httpError = error instanceof HttpError ? error : new HttpError(400, 'The request body is malformed.', { close: true });
      this.answerAndClose(errorResponse(httpError), head.requestLine, head);
      return false;
    }
    this.pending = consumed === buf.length ? undefined : buf.subarray(consumed);
    if (!complete) return false;
    const body = this.chunked ? this.chunked.body() : this.bodyPieces.length === 1 ? (this.bodyPieces[0] as Buffer) : Buffer.concat(this.bodyPieces);
    this.chunked = undefined;
    this.bodyPieces = [];
    this.head = undefined;
    this.dispatch(head, body);
    return true;
  }

  private dispatch(head: RequestHead, body: Buffer): void {
    this.state = 'busy';
    this.lastVersion = head.version;
    this.deadline = 0;
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
      body,
      peer: this.peer,
      receivedAt: this.headStartedAt,
    };
    let result: HttpResponse | Promise<HttpResponse>;
    try {
      result = this.context.handle(request);
    } catch (error) {
      result = this.responseForError(error);
    }
    if (result instanceof Promise) {
      result.then(
        (response) => this.send(head, response),
        (error: unknown) => this.send(head, this.responseForError(error)),
      );
    } else {
      this.send(head, result);
    }
  }

  private responseForError(error: unknown): HttpResponse {
    if (error instanceof HttpError) return errorResponse(error);
    this.context.onInternalError(error);
    return statusPageResponse(500, 'The server failed while answering this request.');
  }

  private send(head: RequestHead, response: HttpResponse): void {
    if (this.state === 'closed') {
      releaseBody(response);
      return;
    }
    // A half-closed client still gets every pipelined answer; the close comes after the last.
    const keepAlive = head.keepAlive && !this.shuttingDown && response.close !== true;
    const context: ResponseContext = { method: head.method, version: head.version, keepAlive, serverName: this.context.serverName };
    let outcome: WriteOutcome | Promise<WriteOutcome>;
    try {
      outcome = writeResponse(this.socket, response, context);
    } catch (error) {
      // Formatting failed (a handler produced an invalid field): answer 500 instead.
      releaseBody(response);
      this.context.onInternalError(error);
      response = statusPageResponse(500, 'The server produced an invalid response.');
      outcome = writeResponse(this.socket, response, context);
    }
    if (outcome instanceof Promise) {
      const status = response.status;
      const user = response.user;
      outcome.then(
        (done) => this.afterResponse(head, status, user, done),
        (error: unknown) => {
          // The head is out; the body failed midway. Nothing can be said to the client now.
          this.logExchange(head.requestLine, head, status, 0, user);
          if (this.state !== 'closed') this.context.onInternalError(error);
          this.destroy();
        },
      );
    } else {
      this.afterResponse(head, response.status, response.user, outcome);
    }
  }

  private afterResponse(head: RequestHead, status: number, user: string | undefined, outcome: WriteOutcome): void {
    this.logExchange(head.requestLine, head, status, outcome.bodyBytes, user);
    if (outcome.mustClose) {
      this.close();
      return;
    }
    if (this.state === 'closed') return;
    this.state = 'head';
    this.headStartedAt = 0;
    if (this.socket.isPaused()) this.socket.resume();
    if (this.pending !== undefined && this.pending.length > 0) {
      // Inside the loop the next request is taken there; after an asynchronous answer the
      // loop starts again here.
      if (!this.looping) this.processRequests();
      return;
    }
    this.pending = undefined;
    if (this.clientEnded || this.shuttingDown) this.close();
    else this.deadline = Date.now() + this.context.limits.keepAliveTimeoutMs;
  }

  /** A head that cannot be parsed: answer with its status and close (section 3). */
  private failBeforeRequest(error: unknown, buf: Buffer, start: number): void {
    const httpError = error instanceof HttpError ? error : new HttpError(400, 'The request could not be parsed.', { close: true });
    const lf = buf.indexOf(0x0a, start);
    const lineEnd = lf === -1 ? Math.min(buf.length, start + 1024) : Math.min(lf, start + 1024);
    const requestLine = buf.toString('latin1', start, lineEnd).replace(/\r$/, '');
    if (requestLine.endsWith(' HTTP/1.0')) this.lastVersion = 'HTTP/1.0';
    this.answerAndClose(errorResponse(httpError), requestLine, undefined);
  }

  /** Sends a server-made response (400, 408, 413...) and closes: the stream is out of sync. */
  private answerAndClose(response: HttpResponse, requestLine: string, head: RequestHead | undefined): void {
    this.state = 'busy';
    this.deadline = 0;
    this.pending = undefined;
    const context: ResponseContext = {
      method: head?.method ?? 'GET',
      version: head?.version ?? this.lastVersion,
      keepAlive: false,
      serverName: this.context.serverName,
    };
    const outcome = writeResponse(this.socket, { ...response, close: true }, context);
    Promise.resolve(outcome).then(
      ({ bodyBytes }) => {
        this.logExchange(requestLine, head, response.status, bodyBytes, undefined);
        this.close();
      },
      () => this.destroy(),
    );
  }

  private logExchange(requestLine: string, head: RequestHead | undefined, status: number, bodyBytes: number, user: string | undefined): void {
    this.context.onExchange({
      peer: this.peer,
      receivedAt: this.headStartedAt || Date.now(),
      requestLine,
      status,
      bodyBytes,
      user,
      referer: head?.fields.get('referer'),
      userAgent: head?.fields.get('user-agent'),
    });
  }

  /** The sweeper found the deadline passed: 408 and close (http.md section 3). */
  onDeadline(): void {
    if (this.lingering) {
      this.socket.destroy();
      return;
    }
    if (this.state !== 'head' && this.state !== 'body') return;
    const receivedSomething = this.headStartedAt !== 0 || (this.pending?.length ?? 0) > 0;
    const message = receivedSomething
      ? 'The request was not received completely within the time allowed.'
      : 'The connection was idle for too long and is being closed.';
    const head = this.head;
    // Log what did arrive of the request line (Apache logs "-" only when nothing came).
    let requestLine = head?.requestLine ?? '-';
    const partial = this.pending;
    if (head === undefined && partial !== undefined && partial.length > 0) {
      const lf = partial.indexOf(0x0a);
      requestLine = partial.toString('latin1', 0, Math.min(lf === -1 ? partial.length : lf, 1024)).replace(/^[\r\n]+|\r$/g, '');
      if (requestLine.endsWith(' HTTP/1.0')) this.lastVersion = 'HTTP/1.0';
    }
    this.answerAndClose(statusPageResponse(408, message, { close: true }), requestLine, head);
  }

  /** Half-closes now and keeps discarding input for a while so the client reads our last response (lingering close). */
  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end();
    this.socket.resume();
    this.lingering = true;
    this.deadline = Date.now() + LINGER_MS;
  }
}
