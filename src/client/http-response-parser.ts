/**
 * An incremental HTTP/1.1 response parser (RFC 9112) for `porta get`: feed it bytes as
 * they arrive, get back events (head, body pieces, trailers, complete, or error). Body
 * pieces are views into the received buffers, never copies.
 *
 * It is strict where a lenient reading would let a broken or hostile server make us print
 * the wrong body (framing: status line, Content-Length, chunk sizes) and lenient where
 * RFC 9112 allows it (a bare LF as line end, obs-fold).
 */
import { bodyFraming, type BodyFraming } from './http-framing.js';
import { trimOws } from '../http/syntax.js';
import { MalformedResponseError, type HttpField, type ResponseHead } from './http-message.js';

export { MalformedResponseError, type BodyFraming, type HttpField, type ResponseHead };

export type ResponseEvent =
  /** A 1xx interim response (100 Continue, 103 Early Hints); the final one follows. */
  | { readonly type: 'informational'; readonly head: ResponseHead }
  | { readonly type: 'head'; readonly head: ResponseHead; readonly framing: BodyFraming }
  | { readonly type: 'body'; readonly data: Buffer }
  | { readonly type: 'trailers'; readonly fields: readonly HttpField[] }
  | { readonly type: 'complete' }
  /**
   * The response is malformed; always the last event. Events before it stay valid (the
   * head and body so far were real), so a caller can still show them.
   */
  | { readonly type: 'error'; readonly error: MalformedResponseError };

export interface ResponseParserOptions {
  /** The request method: a response to HEAD has no body whatever its fields say. */
  readonly requestMethod: string;
  /** Limit for the status line plus fields (default 64 KiB); also for trailers. */
  readonly maxHeadBytes?: number;
}

type StatusLine = Pick<ResponseHead, 'version' | 'status' | 'reason'>;

type State =
  | 'status-line'
  | 'fields'
  | 'length-body'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end'
  | 'trailers'
  | 'close-body'
  | 'done'
  | 'failed';

const LF = 0x0a;
const CR = 0x0d;
/** A chunk-size line (size plus extensions) longer than this is not a real server. */
const MAX_CHUNK_LINE = 4096;
/** More interim (1xx) responses than this before the final one is a server stuck in a loop. */
const MAX_INTERIM_RESPONSES = 32;
/** 13 hex digits stay below Number.MAX_SAFE_INTEGER; anything larger is not a real chunk. */
const MAX_CHUNK_SIZE_DIGITS = 13;

const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/;
/** RFC 9110 §5.6.2: token = 1*tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9112 §7.1: chunk-size [ chunk-ext ], with BWS before each ';'. */
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]+)[ \t]*(?:;[^\0]*)?$/;
/** NUL or a bare CR in a field value: RFC 9110 §5.5 forbids them; reject rather than guess. */
const FORBIDDEN_IN_VALUE = /[\0\r]/;

export class HttpResponseParser {
  private state: State = 'status-line';
  private pending: Buffer = Buffer.alloc(0);
  private receivedAny = false;
  /** Bytes of the head (or trailer section) read so far, for the size limit. */
  private sectionBytes = 0;
  private status: StatusLine = { version: '', status: 0, reason: '' };
  private fields: HttpField[] = [];
  private remaining = 0;
  private bodyBytes = 0;
  private interimResponses = 0;
  private readonly maxHeadBytes: number;
  private readonly requestMethod: string;

  constructor(options: ResponseParserOptions) {
    this.requestMethod = options.requestMethod.toUpperCase();
    this.maxHeadBytes = options.maxHeadBytes ?? 64 * 1024;
  }

  /** True once the final response has been read completely. */
  get complete(): boolean {
    return this.state === 'done';
  }

  /** Parses the next bytes from the connection. */
  push(chunk: Buffer): ResponseEvent[] {
    if (chunk.length > 0) this.receivedAny = true;
    // Bytes after a complete response are ignored: we asked for Connection: close.
    if (this.state === 'done' || this.state === 'failed') return [];
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const events: ResponseEvent[] = [];
    let offset = 0;
    try {
      for (;;) {
        const next = this.step(data, offset, events);
        if (next === offset) break;
        offset = next;
      }
    } catch (error) {
      return this.fail(events, error);
    }
    // Only an unfinished line is ever left over (or, once done, bytes we ignore); copy it
    // so the big chunk can be freed.
    const keep = offset < data.length && !this.complete;
    this.pending = keep ? Buffer.from(data.subarray(offset)) : Buffer.alloc(0);
    return events;
  }

  /** The connection closed: ends a close-delimited body, or reports what was cut short. */
  end(): ResponseEvent[] {
    try {
      return this.endOfInput();
    } catch (error) {
      return this.fail([], error);
    }
  }

  private fail(events: ResponseEvent[], error: unknown): ResponseEvent[] {
    if (!(error instanceof MalformedResponseError)) throw error;
    this.state = 'failed';
    this.pending = Buffer.alloc(0);
    events.push({ type: 'error', error });
    return events;
  }

  private endOfInput(): ResponseEvent[] {
    switch (this.state) {
      case 'done':
      case 'failed':
        return [];
      case 'close-body':
        // RFC 9112 §6.3 rule 8: without Content-Length or chunked, the body ends at close.
        this.state = 'done';
        return [{ type: 'complete' }];
      case 'status-line':
        if (!this.receivedAny) throw new MalformedResponseError('the server closed the connection without sending a response');
        throw new MalformedResponseError('the connection closed in the middle of the status line');
      case 'fields':
        throw new MalformedResponseError('the connection closed in the middle of the response head');
      case 'length-body':
        // RFC 9112 §8: a message shorter than its Content-Length is incomplete.
        throw new MalformedResponseError(
          `the response body is shorter than its Content-Length (got ${this.bodyBytes} of ${this.bodyBytes + this.remaining} bytes)`,
        );
      default:
        throw new MalformedResponseError('the connection closed in the middle of a chunked body (no last chunk)');
    }
  }

  /** Consumes what it can at `offset`; returns the new offset (unchanged = needs more data). */
  private step(data: Buffer, offset: number, events: ResponseEvent[]): number {
    switch (this.state) {
      case 'status-line':
      case 'fields':
      case 'trailers':
        return this.stepLine(data, offset, events);
      case 'chunk-size':
        return this.stepChunkSize(data, offset);
      case 'length-body':
      case 'chunk-data': {
        if (offset >= data.length) return offset;
        const take = Math.min(this.remaining, data.length - offset);
        events.push({ type: 'body', data: data.subarray(offset, offset + take) });
        this.remaining -= take;
        this.bodyBytes += take;
        if (this.remaining === 0) {
          if (this.state === 'length-body') this.finish(events);
          else this.state = 'chunk-data-end';
        }
        return offset + take;
      }
      case 'chunk-data-end':
        return this.stepChunkDataEnd(data, offset);
      case 'close-body':
        if (offset >= data.length) return offset;
        events.push({ type: 'body', data: data.subarray(offset) });
        this.bodyBytes += data.length - offset;
        return data.length;
      case 'done':
      case 'failed':
        return offset;
    }
  }

  /** Head and trailer sections: one field line at a time, up to the empty line. */
  private stepLine(data: Buffer, offset: number, events: ResponseEvent[]): number {
    const lf = data.indexOf(LF, offset);
    const available = (lf === -1 ? data.length : lf + 1) - offset;
    if (this.sectionBytes + available > this.maxHeadBytes) {
      const what = this.state === 'trailers' ? 'trailer section' : 'response head';
      throw new MalformedResponseError(`the ${what} is larger than ${Math.round(this.maxHeadBytes / 1024)} KiB`);
    }
    if (lf === -1) return offset;
    this.sectionBytes += available;
    const line = readLine(data, offset, lf);

    if (this.state === 'status-line') {
      this.status = parseStatusLine(line);
      this.state = 'fields';
    } else if (line === '') {
      this.endOfSection(events);
    } else {
      addFieldLine(this.fields, line);
    }
    return lf + 1;
  }

  private endOfSection(events: ResponseEvent[]): void {
    const fields = this.fields;
    this.fields = [];
    this.sectionBytes = 0;
    if (this.state === 'trailers') {
      if (fields.length > 0) events.push({ type: 'trailers', fields });
      this.finish(events);
      return;
    }
    const head: ResponseHead = { ...this.status, fields };
    // RFC 9110 §15.2: a client must accept any number of 1xx responses before the final
    // one. 101 is final: it means the connection now speaks another protocol.
    if (head.status < 200 && head.status !== 101) {
      if (++this.interimResponses > MAX_INTERIM_RESPONSES) {
        throw new MalformedResponseError(`more than ${MAX_INTERIM_RESPONSES} interim (1xx) responses`);
      }
      events.push({ type: 'informational', head });
      this.state = 'status-line';
      return;
    }
    const framing = bodyFraming(this.requestMethod, head);
    events.push({ type: 'head', head, framing });
    switch (framing.kind) {
      case 'none':
        this.finish(events);
        break;
      case 'length':
        this.remaining = framing.length;
        if (framing.length === 0) this.finish(events);
        else this.state = 'length-body';
        break;
      case 'chunked':
        this.state = 'chunk-size';
        break;
      case 'close':
        this.state = 'close-body';
        break;
    }
  }

  /** RFC 9112 §7.1: chunk-size in hex, optional extensions (ignored), CRLF. */
  private stepChunkSize(data: Buffer, offset: number): number {
    const lf = data.indexOf(LF, offset);
    if (lf === -1) {
      if (data.length - offset > MAX_CHUNK_LINE) throw new MalformedResponseError('a chunk-size line is too long');
      return offset;
    }
    if (lf + 1 - offset > MAX_CHUNK_LINE) throw new MalformedResponseError('a chunk-size line is too long');
    const line = readLine(data, offset, lf);
    const match = CHUNK_SIZE_LINE.exec(line);
    if (!match) throw new MalformedResponseError(`invalid chunk size line ${quote(line)}`);
    const digits = (match[1] as string).replace(/^0+(?=.)/, '');
    if (digits.length > MAX_CHUNK_SIZE_DIGITS) throw new MalformedResponseError(`chunk size ${quote(digits)} is too large`);
    const size = parseInt(digits, 16);
    if (size === 0) {
      // The last chunk; the trailer section (possibly empty) follows.
      this.state = 'trailers';
      this.fields = [];
      this.sectionBytes = 0;
    } else {
      this.remaining = size;
      this.state = 'chunk-data';
    }
    return lf + 1;
  }

  /** The CRLF that must follow each chunk's data; anything else means the size lied. */
  private stepChunkDataEnd(data: Buffer, offset: number): number {
    if (offset >= data.length) return offset;
    const first = data[offset];
    if (first === LF) {
      this.state = 'chunk-size';
      return offset + 1;
    }
    if (first === CR) {
      if (offset + 1 >= data.length) return offset;
      if (data[offset + 1] === LF) {
        this.state = 'chunk-size';
        return offset + 2;
      }
    }
    throw new MalformedResponseError('chunk data is not followed by CRLF (the chunk is longer than its size says)');
  }

  private finish(events: ResponseEvent[]): void {
    this.state = 'done';
    events.push({ type: 'complete' });
  }
}

/** The line before `lf`, without its CR; field bytes are read as Latin-1 (RFC 9110 §5.5). */
function readLine(data: Buffer, start: number, lf: number): string {
  const end = lf > start && data[lf - 1] === CR ? lf - 1 : lf;
  return data.toString('latin1', start, end);
}

/** RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]. */
function parseStatusLine(line: string): StatusLine {
  const match = STATUS_LINE.exec(line);
  if (!match) throw new MalformedResponseError(`not an HTTP response (status line ${quote(line)})`);
  const [, major, minor, code, reason = ''] = match;
  if (major !== '1') throw new MalformedResponseError(`unsupported HTTP version HTTP/${major}.${minor}`);
  const status = Number(code);
  // RFC 9110 §15: "Values outside the range 100..599 are invalid."
  if (status < 100 || status > 599) throw new MalformedResponseError(`invalid status code ${code}`);
  if (FORBIDDEN_IN_VALUE.test(reason)) throw new MalformedResponseError('invalid characters in the reason phrase');
  return { version: `${major}.${minor}`, status, reason };
}

/** RFC 9112 §5: field-line = field-name ":" OWS field-value OWS. */
function addFieldLine(fields: HttpField[], line: string): void {
  const first = line.charCodeAt(0);
  if (first === 0x20 || first === 0x09) {
    // RFC 9112 §5.2: a user agent must replace obs-fold with SP and carry on.
    const previous = fields.pop();
    if (!previous) throw new MalformedResponseError('the response head starts with a continuation line');
    fields.push({ name: previous.name, value: `${previous.value} ${trimOws(line)}`.trim() });
    return;
  }
  const colon = line.indexOf(':');
  const name = colon === -1 ? '' : line.slice(0, colon);
  // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
  if (!TOKEN.test(name)) throw new MalformedResponseError(`invalid header field line ${quote(line)}`);
  const value = trimOws(line.slice(colon + 1));
  if (FORBIDDEN_IN_VALUE.test(value)) throw new MalformedResponseError(`invalid characters in the value of ${name}`);
  fields.push({ name, value });
}


/** A line from the network, shortened and escaped for a one-line message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}
