/**
 * Puts a response on the wire: status line, Date, Server, the fields, the framing that
 * HTTP/1.1 requires (RFC 9112 section 6), then the body with backpressure. It knows the
 * connection only as a Transport (src/transport/transport.ts) and nothing of files. It frames every body itself: fields a handler
 * sets for framing or for the connection are dropped (formatHeaderBlock).
 */
import type { Readable } from 'node:stream';
import type { Transport } from '../transport/transport.js';
import { currentDateSecond, currentHttpDate } from './date-cache.js';
import { formatHeaderBlock, releaseBody, type HeaderList, type HttpResponse } from './response.js';
import { reasonPhrase, statusForbidsBody } from './status.js';

/** What the writer needs to know of the request it answers. */
export interface ResponseContext {
  readonly method: string;
  readonly version: 'HTTP/1.1' | 'HTTP/1.0';
  /** The connection stays open after this response. */
  readonly keepAlive: boolean;
  /** The value of the Server field, e.g. `porta/0.2.0`. */
  readonly serverField: string;
  /** Told each time the socket refuses more (its buffer is full): the send deadline starts. */
  readonly writeBlocked?: WriteBlockedListener;
}

/** An object, not a closure, so a connection does not carry one more function for it. */
export interface WriteBlockedListener {
  onWriteBlocked(): void;
}

export interface WriteOutcome {
  /** Body bytes written (the payload, not the chunk framing), for the access log. */
  readonly bodyBytes: number;
  /** The connection must close after this response (close-delimited body, or asked to). */
  readonly mustClose: boolean;
  /** Set when the body could not be sent completely: the connection must be destroyed. */
  readonly error?: unknown;
}

const CRLF = '\r\n';
/** Below this size head and body go out in one buffer (one write, one packet). */
const COALESCE_LIMIT = 64 * 1024;
const CHUNK_END = Buffer.from(CRLF, 'latin1');
const LAST_CHUNK = Buffer.from(`0${CRLF}${CRLF}`, 'latin1');
const CRLF_LAST_CHUNK = Buffer.from(`${CRLF}0${CRLF}${CRLF}`, 'latin1');

type Framing = 'none' | 'length' | 'chunked' | 'close';

/** Decides the framing of the body (RFC 9112 section 6.3 from the sender's side). */
function chooseFraming(response: HttpResponse, context: ResponseContext): { framing: Framing; length: number } {
  const body = response.body;
  if (statusForbidsBody(response.status)) return { framing: 'none', length: 0 };
  switch (body.kind) {
    case 'none':
      return { framing: 'length', length: 0 };
    case 'bytes':
      return { framing: 'length', length: body.data.length };
    case 'generated':
      // docs/protocol.md: generated bodies are chunked, except to HTTP/1.0 clients.
      return context.version === 'HTTP/1.1' ? { framing: 'chunked', length: body.data.length } : { framing: 'length', length: body.data.length };
    case 'stream':
      if (body.length !== undefined) return { framing: 'length', length: body.length };
      return context.version === 'HTTP/1.1' ? { framing: 'chunked', length: 0 } : { framing: 'close', length: 0 };
  }
}

/**
 * This codec's own caches, keyed by the objects the site hands over and gone with them:
 * shared field lists formatted once as `Name: value\r\n` lines (a stored file's fields are
 * formatted once, not per response), and the last bytes of whole responses that depend only
 * on their key, the Date and the Server field.
 */
const formattedShared = new WeakMap<HeaderList, string>();
const wireByKey = new WeakMap<object, ReusableWire>();

/** The bytes of a whole response as last sent, and what they depended on. */
interface ReusableWire {
  bytes: Buffer | undefined;
  /** The same response with `Connection: close` (clients that close after one request). */
  closeBytes: Buffer | undefined;
  /** The Date second and Server value the bytes carry. */
  second: number;
  server: string;
}

function formatShared(fields: HeaderList): string {
  let block = formattedShared.get(fields);
  if (block === undefined) {
    block = formatHeaderBlock(fields);
    formattedShared.set(fields, block);
  }
  return block;
}

function wireOf(key: object): ReusableWire {
  let wire = wireByKey.get(key);
  if (wire === undefined) {
    wire = { bytes: undefined, closeBytes: undefined, second: -1, server: '' };
    wireByKey.set(key, wire);
  }
  return wire;
}

/** The bytes this codec keeps for `key`, with or without `Connection: close` (for tests). */
export function keptResponseBytes(key: object, close = false): Buffer | undefined {
  const wire = wireByKey.get(key);
  return close ? wire?.closeBytes : wire?.bytes;
}

export function formatResponseHead(response: HttpResponse, context: ResponseContext, framing: Framing, length: number, close: boolean): string {
  let head = `HTTP/1.1 ${response.status} ${response.reason ?? reasonPhrase(response.status)}${CRLF}Date: ${currentHttpDate()}${CRLF}Server: ${context.serverField}${CRLF}`;
  if (response.headers.length > 0) head += formatHeaderBlock(response.headers);
  if (response.sharedFields !== undefined) head += formatShared(response.sharedFields);
  if (framing === 'length') head += `Content-Length: ${length}${CRLF}`;
  else if (framing === 'chunked') head += `Transfer-Encoding: chunked${CRLF}`;
  if (close) head += `Connection: close${CRLF}`;
  else if (context.version === 'HTTP/1.0') head += `Connection: keep-alive${CRLF}`;
  return head + CRLF;
}

/**
 * Writes the whole response. In-memory bodies are written at once and the outcome is
 * returned directly (no promise on the hot path); streamed bodies resolve when the last
 * byte has been handed to the socket, with backpressure respected. The promise never
 * rejects: a body cut short resolves with `error` set and the bytes that did go out.
 */
export function writeResponse(socket: Transport, response: HttpResponse, context: ResponseContext): WriteOutcome | Promise<WriteOutcome> {
  const { framing, length } = chooseFraming(response, context);
  const mustClose = framing === 'close' || !context.keepAlive || response.close === true;
  const stableAs = response.stableAs;
  // Only a close the client asked for (or a stop) may use the close variant; a handler's close
  // or a close-delimited body is formatted afresh.
  if (stableAs !== undefined && framing === 'length' && response.close !== true && context.method === 'GET' && context.version === 'HTTP/1.1' && response.headers.length === 0) {
    const body = response.body;
    if (body.kind === 'bytes' && body.data.length <= COALESCE_LIMIT) {
      // The same bytes as the last time this representation went out in this second: send
      // that buffer again (no formatting, no allocation, no copy).
      const reuse = wireOf(stableAs);
      const second = currentDateSecond();
      if (reuse.second !== second || reuse.server !== context.serverField) {
        reuse.bytes = undefined;
        reuse.closeBytes = undefined;
        reuse.second = second;
        reuse.server = context.serverField;
      }
      let bytes: Buffer;
      if (mustClose) bytes = reuse.closeBytes ??= joinHeadAndBody(formatResponseHead(response, context, framing, length, true), body.data, undefined);
      else bytes = reuse.bytes ??= joinHeadAndBody(formatResponseHead(response, context, framing, length, false), body.data, undefined);
      write(socket, bytes, context);
      return { bodyBytes: body.data.length, mustClose };
    }
  }
  let head: string;
  try {
    head = formatResponseHead(response, context, framing, length, mustClose);
  } catch (error) {
    releaseBody(response);
    throw error;
  }
  const sendBody = context.method !== 'HEAD' && framing !== 'none';
  const body = response.body;

  if (!sendBody || body.kind === 'none') {
    releaseBody(response);
    write(socket, head, context);
    return { bodyBytes: 0, mustClose };
  }
  if (body.kind === 'bytes' || body.kind === 'generated') {
    const data = body.data;
    if (framing === 'chunked') {
      const prefix = data.length === 0 ? head : `${head}${data.length.toString(16)}${CRLF}`;
      write(socket, joinHeadAndBody(prefix, data, data.length === 0 ? LAST_CHUNK : CRLF_LAST_CHUNK), context);
    } else if (data.length <= COALESCE_LIMIT) {
      write(socket, joinHeadAndBody(head, data, undefined), context);
    } else {
      write(socket, head, context);
      write(socket, data, context);
    }
    return { bodyBytes: data.length, mustClose };
  }
  write(socket, head, context);
  const expected = framing === 'length' ? length : undefined;
  let source: Readable;
  try {
    source = body.open();
  } catch (error) {
    return { bodyBytes: 0, mustClose: true, error };
  }
  return pipeBody(socket, source, framing === 'chunked', expected, context).then((outcome) => ({ ...outcome, mustClose: mustClose || outcome.error !== undefined }));
}

function write(socket: Transport, data: string | Buffer, context: ResponseContext): boolean {
  const ok = typeof data === 'string' ? socket.writeLatin1(data) : socket.write(data);
  if (!ok) context.writeBlocked?.onWriteBlocked();
  return ok;
}

/** One buffer, one write, one packet: the head (latin1 text), the body and a trailer. */
function joinHeadAndBody(head: string, data: Buffer, trailer: Buffer | undefined): Buffer {
  const headLength = head.length;
  const total = headLength + data.length + (trailer?.length ?? 0);
  const out = Buffer.allocUnsafe(total);
  out.write(head, 0, headLength, 'latin1');
  data.copy(out, headLength);
  if (trailer) trailer.copy(out, headLength + data.length);
  return out;
}

/**
 * Copies a readable body to the socket, pausing the source while the socket's buffer is
 * full (so a CGI program or a file is read no faster than the client reads). Resolves with
 * the bytes written; with `error` set when the source failed, ended early, or the
 * connection closed first.
 */
function pipeBody(
  socket: Transport,
  source: Readable,
  chunked: boolean,
  expectedLength: number | undefined,
  context: ResponseContext,
): Promise<{ bodyBytes: number; error?: unknown }> {
  return new Promise((resolve) => {
    let sent = 0;
    let settled = false;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      stopWatchingClose();
      if (error !== undefined) source.destroy();
      resolve(error === undefined ? { bodyBytes: sent } : { bodyBytes: sent, error });
    };
    const stopWatchingClose = socket.onceClosed(() => finish(new Error('the connection closed while the body was being sent')));
    const onDrained = (): void => {
      if (!settled) source.resume();
    };
    source.on('data', (chunk: Buffer | string) => {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (data.length === 0 || settled) return;
      if (expectedLength !== undefined && sent + data.length > expectedLength) {
        // The source grew beyond the announced length: stop at the length, the framing holds.
        const fits = data.subarray(0, expectedLength - sent);
        sent += fits.length;
        socket.write(fits);
        finish(new Error(`the body is longer than the ${expectedLength} bytes announced`));
        return;
      }
      sent += data.length;
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.writeLatin1(`${data.length.toString(16)}${CRLF}`);
        socket.write(data);
        ok = socket.write(CHUNK_END);
        socket.uncork();
      } else {
        ok = socket.write(data);
      }
      if (!ok) {
        // Read the source no faster than the client reads.
        source.pause();
        context.writeBlocked?.onWriteBlocked();
        socket.onceDrained(onDrained);
      }
    });
    source.on('end', () => {
      // A file that shrank while being sent: the framing is now a lie, so the connection must go.
      if (expectedLength !== undefined && sent !== expectedLength) {
        finish(new Error(`the body ended after ${sent} of ${expectedLength} bytes`));
        return;
      }
      if (chunked && !settled) socket.write(LAST_CHUNK);
      finish();
    });
    source.on('error', (error: Error) => finish(error));
  });
}
