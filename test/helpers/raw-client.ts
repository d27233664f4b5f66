/**
 * A raw-socket HTTP/1.1 test client: writes exact request bytes to 127.0.0.1 and splits what
 * comes back into responses (status line, fields, body framed by Content-Length, chunked
 * coding, nothing for HEAD/1xx/204/304, or the close of the connection), so wire tests can
 * assert several pipelined responses precisely. Every wait is bounded by a timeout.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';

export const DEFAULT_TIMEOUT_MS = 3000;

export type Framing = 'length' | 'chunked' | 'none' | 'close';

/** One response as it arrived on the wire. */
export class ParsedResponse {
  constructor(
    /** The status line without CRLF, e.g. 'HTTP/1.1 200 OK'. */
    readonly statusLine: string,
    readonly version: string,
    readonly status: number,
    readonly reason: string,
    /** Fields as sent (name case kept), in order. */
    readonly headers: ReadonlyArray<readonly [string, string]>,
    /** The whole head as received, including the final empty line (latin1). */
    readonly head: string,
    /** The payload with any chunked coding removed. */
    readonly body: Buffer,
    readonly framing: Framing,
    /** Chunk sizes in order (chunked framing only; the final 0 is not included). */
    readonly chunkSizes: readonly number[],
    /** Every byte of this message on the wire. */
    readonly raw: Buffer,
  ) {}

  /** The first value of a field (case-insensitive name), undefined when absent. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get text(): string {
    return this.body.toString('utf8');
  }
}

export interface SplitOptions {
  /** The method of each request, in order, so HEAD responses are known to have no body. */
  readonly methods?: readonly string[];
  /** The connection has ended: a close-delimited body is complete. */
  readonly ended?: boolean;
}

export interface SplitResult {
  readonly responses: ParsedResponse[];
  /** Bytes after the last complete response (an incomplete one, or nothing). */
  readonly rest: Buffer;
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/;

class Incomplete extends Error {}

/**
 * Splits a byte stream into complete responses. Throws an Error when the bytes are not a
 * well-formed HTTP/1.1 response stream (bad status line, field, chunk size...).
 */
export function splitResponses(data: Buffer, options: SplitOptions = {}): SplitResult {
  const responses: ParsedResponse[] = [];
  let offset = 0;
  let requestIndex = 0;
  while (offset < data.length) {
    const method = options.methods?.[requestIndex];
    let parsed: { response: ParsedResponse; end: number };
    try {
      parsed = parseOne(data, offset, method, options.ended === true);
    } catch (error) {
      if (error instanceof Incomplete) break;
      throw error;
    }
    responses.push(parsed.response);
    // An interim (1xx) response does not answer the request.
    if (parsed.response.status >= 200) requestIndex++;
    offset = parsed.end;
  }
  return { responses, rest: data.subarray(offset) };
}

/**
 * The one response that starts at `offset`, read as the answer to `method` (a HEAD answer
 * has no body): the response and the index just past it, or 'incomplete' when more bytes are
 * needed. Throws when the bytes there are not a well-formed response. For callers that do not
 * know the methods in advance and must try both readings (the fuzzer).
 */
export function readResponseAt(data: Buffer, offset: number, method: string | undefined, ended: boolean): { response: ParsedResponse; end: number } | 'incomplete' {
  try {
    return parseOne(data, offset, method, ended);
  } catch (error) {
    if (error instanceof Incomplete) return 'incomplete';
    throw error;
  }
}

function parseOne(data: Buffer, start: number, method: string | undefined, ended: boolean): { response: ParsedResponse; end: number } {
  const headEnd = data.indexOf(CRLFCRLF, start);
  if (headEnd === -1) {
    if (data.length - start > 64 * 1024) throw new Error('response head longer than 64 KiB without an end');
    throw new Incomplete();
  }
  const head = data.toString('latin1', start, headEnd + 4);
  const lines = head.slice(0, -4).split('\r\n');
  const statusLine = lines[0] ?? '';
  const match = STATUS_LINE.exec(statusLine);
  if (!match) throw new Error(`malformed status line: ${JSON.stringify(statusLine)}`);
  const version = match[1] as string;
  const status = Number(match[2]);
  const reason = match[3] ?? '';
  const headers: Array<readonly [string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) throw new Error(`malformed response field line: ${JSON.stringify(line)}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const field = (name: string): string | undefined => headers.find(([n]) => n.toLowerCase() === name)?.[1];
  let offset = headEnd + 4;
  let framing: Framing;
  let body: Buffer;
  const chunkSizes: number[] = [];
  const transferEncoding = field('transfer-encoding');
  const contentLength = field('content-length');
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) {
    framing = 'none';
    body = Buffer.alloc(0);
  } else if (transferEncoding !== undefined) {
    if (transferEncoding.toLowerCase() !== 'chunked') throw new Error(`unexpected Transfer-Encoding: ${transferEncoding}`);
    framing = 'chunked';
    const pieces: Buffer[] = [];
    for (;;) {
      const lineEnd = data.indexOf('\r\n', offset, 'latin1');
      if (lineEnd === -1) throw new Incomplete();
      const sizeText = data.toString('latin1', offset, lineEnd).split(';')[0] as string;
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new Error(`malformed chunk size: ${JSON.stringify(sizeText)}`);
      const size = parseInt(sizeText, 16);
      offset = lineEnd + 2;
      if (size === 0) {
        // Trailer section, then the empty line.
        for (;;) {
          const trailerEnd = data.indexOf('\r\n', offset, 'latin1');
          if (trailerEnd === -1) throw new Incomplete();
          const empty = trailerEnd === offset;
          offset = trailerEnd + 2;
          if (empty) break;
        }
        break;
      }
      if (data.length < offset + size + 2) throw new Incomplete();
      pieces.push(data.subarray(offset, offset + size));
      chunkSizes.push(size);
      if (data.toString('latin1', offset + size, offset + size + 2) !== '\r\n') throw new Error('chunk data not followed by CRLF');
      offset += size + 2;
    }
    body = Buffer.concat(pieces);
  } else if (contentLength !== undefined) {
    if (!/^\d+$/.test(contentLength)) throw new Error(`malformed Content-Length: ${contentLength}`);
    framing = 'length';
    const length = Number(contentLength);
    if (data.length < offset + length) throw new Incomplete();
    body = data.subarray(offset, offset + length);
    offset += length;
  } else {
    if (!ended) throw new Incomplete();
    framing = 'close';
    body = data.subarray(offset);
    offset = data.length;
  }
  const response = new ParsedResponse(statusLine, version, status, reason, headers, head, Buffer.from(body), framing, chunkSizes, Buffer.from(data.subarray(start, offset)));
  return { response, end: offset };
}

function preview(data: Buffer): string {
  const text = data.toString('latin1');
  return JSON.stringify(text.length > 1500 ? `${text.slice(0, 1500)}...` : text);
}

/** One client connection to 127.0.0.1 with bounded waits. */
export class RawConnection {
  #data: Buffer = Buffer.alloc(0);
  #ended = false;
  #reset = false;
  #waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#data = Buffer.concat([this.#data, chunk]);
      this.#notify();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('error', () => {
      this.#reset = true;
      this.#ended = true;
      this.#notify();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#notify();
    });
  }

  static async open(port: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RawConnection> {
    return new RawConnection(await connectWithTimeout(port, timeoutMs));
  }

  /** Over a socket already connected (e.g. a TLS socket, see tls-client.ts). */
  static over(socket: Socket): RawConnection {
    return new RawConnection(socket);
  }

  /** Everything received so far. */
  get data(): Buffer {
    return this.#data;
  }

  /** The server has closed its side (FIN) or the connection was reset. */
  get ended(): boolean {
    return this.#ended;
  }

  get reset(): boolean {
    return this.#reset;
  }

  write(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /**
   * Writes and resolves once the bytes have been handed to the kernel, so that what is
   * written next leaves in a later segment (a client sending a request in pieces).
   */
  writeOut(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Half-closes: sends FIN after what was written. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Parses everything received so far. */
  responses(methods?: readonly string[]): ParsedResponse[] {
    return splitResponses(this.#data, { methods, ended: this.#ended }).responses;
  }

  /** Waits until at least `count` complete responses have arrived; rejects on timeout or close. */
  waitForResponses(count: number, options: { methods?: readonly string[]; timeoutMs?: number } = {}): Promise<ParsedResponse[]> {
    return this.#waitFor(
      () => {
        const responses = this.responses(options.methods);
        if (responses.length >= count) return responses;
        if (this.#ended) throw new Error(`connection closed after ${responses.length} of ${count} responses; received ${preview(this.#data)}`);
        return undefined;
      },
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      () => `timed out waiting for ${count} responses; received ${preview(this.#data)}`,
    );
  }

  /** Waits for the server to close the connection; rejects on timeout. */
  waitForClose(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.#waitFor(
      () => (this.#ended ? true : undefined),
      timeoutMs,
      () => `timed out waiting for the server to close; received ${preview(this.#data)}`,
    ).then(() => undefined);
  }

  /** Waits `ms` and reports whether the connection is still open. */
  async stillOpenAfter(ms: number): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return !this.#ended;
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #waitFor<T>(check: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
      };
      const waiter = (): void => {
        let result: T | undefined;
        try {
          result = check();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (result !== undefined) {
          finish();
          resolve(result);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(describe()));
      }, timeoutMs);
      this.#waiters.push(waiter);
      waiter();
    });
  }
}

export interface ExchangeOptions {
  /** Wait for the server to close, or for this many complete responses. */
  readonly until: 'close' | { readonly responses: number };
  readonly timeoutMs?: number;
  /** Method of each request, so HEAD responses are parsed without a body. */
  readonly methods?: readonly string[];
  /** Half-close (socket.end()) right after writing. */
  readonly halfClose?: boolean;
}

export interface ExchangeResult {
  readonly responses: ParsedResponse[];
  readonly data: Buffer;
  /** The server had closed the connection when the exchange finished. */
  readonly closed: boolean;
}

/**
 * Connects, writes `bytes` (a string is sent as latin1, byte for byte; an array is written
 * piece by piece), waits as `until` says, then destroys the socket. Rejects on timeout
 * with what had been received.
 */
export async function rawExchange(port: number, bytes: string | Buffer | ReadonlyArray<string | Buffer>, options: ExchangeOptions): Promise<ExchangeResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connection = await RawConnection.open(port, timeoutMs);
  try {
    const pieces = typeof bytes === 'string' || Buffer.isBuffer(bytes) ? [bytes] : bytes;
    for (const piece of pieces) connection.write(piece);
    if (options.halfClose) connection.end();
    if (options.until === 'close') {
      await connection.waitForClose(timeoutMs);
    } else {
      await connection.waitForResponses(options.until.responses, { methods: options.methods, timeoutMs });
    }
    return { responses: connection.responses(options.methods), data: connection.data, closed: connection.ended };
  } finally {
    connection.destroy();
  }
}

/** Sends one request and returns its (first final) response. */
export async function fetchOne(port: number, bytes: string | Buffer, options: { method?: string; timeoutMs?: number } = {}): Promise<ParsedResponse> {
  const method = options.method ?? (typeof bytes === 'string' ? bytes.slice(0, bytes.indexOf(' ')) : bytes.toString('latin1', 0, bytes.indexOf(0x20)));
  const { responses } = await rawExchange(port, bytes, { until: { responses: 1 }, methods: [method], timeoutMs: options.timeoutMs });
  return responses[0] as ParsedResponse;
}

/** `METHOD target HTTP/1.1` with Host and the given extra field lines, ending the head. */
export function request(method: string, target: string, extraFields: readonly string[] = [], version = 'HTTP/1.1'): string {
  const fields = version === 'HTTP/1.1' ? ['Host: 127.0.0.1', ...extraFields] : extraFields;
  return `${method} ${target} ${version}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`;
}

// ---- Assertions shared by the wire tests ----

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export function isImfFixdate(value: string | undefined): boolean {
  return value !== undefined && IMF_FIXDATE.test(value);
}

/** Fields every response carries: HTTP/1.1 status line, Date (IMF-fixdate), Server porta/x. */
export function assertStandardFields(response: ParsedResponse, status: number): void {
  assert.equal(response.status, status, `status of ${response.statusLine}\n${response.head}`);
  assert.equal(response.version, 'HTTP/1.1', 'status line version');
  assert.ok(response.reason.length > 0, 'reason phrase present');
  assert.equal(response.getAll('date').length, 1, 'exactly one Date');
  assert.ok(isImfFixdate(response.get('date')), `Date is IMF-fixdate: ${response.get('date')}`);
  const skew = Math.abs(Date.parse(response.get('date') ?? '') - Date.now());
  assert.ok(skew < 10_000, `Date is the current time (off by ${skew} ms)`);
  assert.match(response.get('server') ?? '', /^porta\/\d+\.\d+\.\d+/, 'Server: porta/<version>');
}

/** The body is delimited by exactly one of Content-Length and Transfer-Encoding. */
export function assertFramed(response: ParsedResponse): void {
  const length = response.has('content-length');
  const chunked = response.has('transfer-encoding');
  assert.ok(length !== chunked, `exactly one of Content-Length / Transfer-Encoding:\n${response.head}`);
}

/**
 * An error (or other generated) page: standard fields, framing, text/html, and an HTML body
 * naming the status and saying in a sentence what went wrong. `close` checks Connection: close.
 */
export function assertErrorPage(response: ParsedResponse, status: number, options: { close?: boolean; head?: boolean } = {}): void {
  assertStandardFields(response, status);
  assertFramed(response);
  assert.match(response.get('content-type') ?? '', /^text\/html\b/, 'Content-Type text/html');
  if (options.close === true) assert.equal(response.get('connection')?.toLowerCase(), 'close', `Connection: close expected:\n${response.head}`);
  if (options.close === false) assert.notEqual(response.get('connection')?.toLowerCase(), 'close', `no Connection: close expected:\n${response.head}`);
  if (options.head) {
    assert.equal(response.body.length, 0, 'HEAD: no body');
    return;
  }
  const html = response.text;
  assert.match(html, /<html[\s>]/i, 'HTML document');
  assert.ok(html.includes(String(status)), `page names the status ${status}`);
  const paragraph = /<p>([^<]{10,})<\/p>/.exec(html);
  assert.ok(paragraph, `page says what went wrong:\n${html}`);
}

/** A connected socket to 127.0.0.1:port, or a rejection once timeoutMs have passed. */
export function connectWithTimeout(port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to 127.0.0.1:${port} timed out`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
