import type { Readable } from 'node:stream';

/**
 * What a response carries, whatever protocol carries it. The kind decides the framing
 * (docs/protocol.md, responses):
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
   * More fields, shared by many responses (a stored representation's): the codec may keep
   * its own encoding of this very list (HTTP/1.1 formats it once), so it must not change.
   */
  readonly sharedFields?: HeaderList;
  readonly body: ResponseBody;
  /** Close the connection after this response even if the client wants to keep it. */
  readonly close?: boolean;
  /** The authenticated user, for the access log. */
  readonly user?: string;
  /**
   * Set when the whole response depends only on this object (a stored representation), the
   * Date and the Server field: the codec may keep the response's bytes under it and send
   * them again while those stay the same.
   */
  readonly stableAs?: object;
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
