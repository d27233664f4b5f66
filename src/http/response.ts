import type { Readable } from 'node:stream';

/**
 * What a response carries. The kind decides the framing (http.md section 2):
 * - `none`: no content (Content-Length: 0 unless the status forbids content).
 * - `bytes`: a stored representation held in memory, framed by Content-Length.
 * - `generated`: a body the server wrote itself (error pages, listings): chunked to
 *   HTTP/1.1 clients, Content-Length to HTTP/1.0 clients.
 * - `stream`: read on demand (files, CGI); framed by Content-Length when the length is
 *   known, else chunked (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
 *   `open` is only called when the body is really sent (never for HEAD); otherwise
 *   `release` is, so whatever the body holds (an open file, a running program) is let go.
 */
export type ResponseBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'bytes'; readonly data: Buffer }
  | { readonly kind: 'generated'; readonly data: Buffer }
  | {
      readonly kind: 'stream';
      readonly length: number | undefined;
      readonly open: () => Readable;
      /** Called instead of open() when the body will not be sent (HEAD, connection gone). */
      readonly release?: () => void;
    };

export type HeaderList = ReadonlyArray<readonly [string, string]>;

export interface HttpResponse {
  readonly status: number;
  /** Reason phrase; defaults to the standard one for the status. */
  readonly reason?: string;
  /**
   * Fields of the response. The writer owns Date, Server, the framing fields and the
   * hop-by-hop fields (see WRITER_OWNED_FIELDS): a handler's own are dropped.
   */
  readonly headers: HeaderList;
  /**
   * More fields, already formatted as `Name: value\r\n` lines: lets a cached resource
   * format its fields once instead of once per response. Made by formatHeaderBlock().
   */
  readonly headerBlock?: string;
  readonly body: ResponseBody;
  /** Close the connection after this response even if the client wants to keep it. */
  readonly close?: boolean;
  /** The authenticated user, for the access log. */
  readonly user?: string;
  /**
   * A slot where the writer may keep this response's bytes on the wire (head and body) and
   * send the same buffer again while they stay the same: for a stored representation that
   * is requested many times a second. Only set on responses whose bytes depend on nothing
   * but the representation, the Date and the Server field.
   */
  readonly reuse?: ReusableWire;
}

/** The bytes of a whole response as last sent, and what they depended on. */
export interface ReusableWire {
  bytes: Buffer | undefined;
  /** The same response with `Connection: close` (clients that close after one request). */
  closeBytes: Buffer | undefined;
  /** The Date second and Server value the bytes carry. */
  second: number;
  server: string;
}

export function newReusableWire(): ReusableWire {
  return { bytes: undefined, closeBytes: undefined, second: -1, server: '' };
}

/**
 * Fields only the writer sets: Date and Server, the framing (RFC 9112 section 6), and the
 * hop-by-hop fields of a connection (RFC 9110 section 7.6.1). A handler that sets one (a
 * CGI program sending its own Content-Length) must not put a second framing on the wire.
 */
const WRITER_OWNED_FIELDS = new Set([
  'date',
  'server',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);

export function isWriterOwnedField(name: string): boolean {
  return WRITER_OWNED_FIELDS.has(name.toLowerCase());
}

const LINE_BREAK = /[\r\n]/;

/**
 * Formats fields as `Name: value\r\n` lines, dropping the ones the writer owns and refusing
 * any that would break the head (a line break in a name or value).
 */
export function formatHeaderBlock(headers: HeaderList): string {
  let block = '';
  for (const [name, value] of headers) {
    if (LINE_BREAK.test(name) || LINE_BREAK.test(value)) throw new Error(`response field ${name} contains a line break`);
    if (isWriterOwnedField(name)) continue;
    block += `${name}: ${value}\r\n`;
  }
  return block;
}

/** Lets go of what a response body holds when it will not be sent. */
export function releaseBody(response: HttpResponse): void {
  if (response.body.kind === 'stream') response.body.release?.();
}
