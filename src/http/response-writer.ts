/**
 * Puts a response on the wire: status line, Date, Server, the fields, the framing that
 * http.md section 2 requires, then the body with backpressure. It knows sockets only as
 * writable streams and nothing of files.
 */
import type { Readable, Writable } from 'node:stream';
import { currentHttpDate } from './date-cache.js';
import { formatHeaderBlock, releaseBody, type HttpResponse } from './response.js';
import { reasonPhrase, statusForbidsBody } from './status.js';

/** What the writer needs to know of the request it answers. */
export interface ResponseContext {
  readonly method: string;
  readonly version: 'HTTP/1.1' | 'HTTP/1.0';
  /** The connection stays open after this response. */
  readonly keepAlive: boolean;
  readonly serverName: string;
}

export interface WriteOutcome {
  /** Body bytes sent (the payload, not the chunk framing), for the access log. */
  readonly bodyBytes: number;
  /** The connection must close after this response (close-delimited body). */
  readonly mustClose: boolean;
}

const CRLF = '\r\n';
/** Below this size head and body go out in one buffer (one write, one packet). */
const COALESCE_LIMIT = 64 * 1024;

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
      // http.md section 2: generated bodies are chunked, except to HTTP/1.0 clients.
      return context.version === 'HTTP/1.1' ? { framing: 'chunked', length: body.data.length } : { framing: 'length', length: body.data.length };
    case 'stream':
      if (body.length !== undefined) return { framing: 'length', length: body.length };
      return context.version === 'HTTP/1.1' ? { framing: 'chunked', length: 0 } : { framing: 'close', length: 0 };
  }
}

export function formatResponseHead(response: HttpResponse, context: ResponseContext, framing: Framing, length: number, close: boolean): string {
  let head = `HTTP/1.1 ${response.status} ${response.reason ?? reasonPhrase(response.status)}${CRLF}Date: ${currentHttpDate()}${CRLF}Server: ${context.serverName}${CRLF}`;
  if (response.headers.length > 0) head += formatHeaderBlock(response.headers);
  if (response.headerBlock !== undefined) head += response.headerBlock;
  if (framing === 'length') head += `Content-Length: ${length}${CRLF}`;
  else if (framing === 'chunked') head += `Transfer-Encoding: chunked${CRLF}`;
  if (close) head += `Connection: close${CRLF}`;
  else if (context.version === 'HTTP/1.0') head += `Connection: keep-alive${CRLF}`;
  return head + CRLF;
}

/**
 * Writes the whole response. In-memory bodies are written at once and the outcome is
 * returned directly (no promise on the hot path); streamed bodies resolve when the last
 * byte has been handed to the socket, with backpressure respected.
 */
export function writeResponse(socket: Writable, response: HttpResponse, context: ResponseContext): WriteOutcome | Promise<WriteOutcome> {
  const { framing, length } = chooseFraming(response, context);
  const mustClose = framing === 'close' || !context.keepAlive || response.close === true;
  const head = formatResponseHead(response, context, framing, length, mustClose);
  const sendBody = context.method !== 'HEAD' && framing !== 'none';
  const body = response.body;

  if (!sendBody || body.kind === 'none') {
    releaseBody(response);
    socket.write(head, 'latin1');
    return { bodyBytes: 0, mustClose };
  }
  if (body.kind === 'bytes' || body.kind === 'generated') {
    const data = body.data;
    if (framing === 'chunked') {
      const prefix = `${head}${data.length.toString(16)}${CRLF}`;
      socket.write(joinHeadAndBody(prefix, data, LAST_CHUNK));
    } else if (data.length <= COALESCE_LIMIT) {
      socket.write(joinHeadAndBody(head, data, undefined));
    } else {
      socket.write(head, 'latin1');
      socket.write(data);
    }
    return { bodyBytes: data.length, mustClose };
  }
  socket.write(head, 'latin1');
  const expected = framing === 'length' ? length : undefined;
  return pipeBody(socket, body.open(), framing === 'chunked', expected).then((bodyBytes) => ({ bodyBytes, mustClose }));
}

const LAST_CHUNK = Buffer.from(`${CRLF}0${CRLF}${CRLF}`, 'latin1');

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

/** Copies a readable body to the socket, pausing while the socket's buffer is full. */
function pipeBody(socket: Writable, source: Readable, chunked: boolean, expectedLength: number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const onDrain = (): void => {
      source.resume();
    };
    const cleanup = (): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
    };
    const onClose = (): void => {
      cleanup();
      source.destroy();
      reject(new Error('connection closed while sending the body'));
    };
    socket.on('drain', onDrain);
    socket.on('close', onClose);
    source.on('data', (chunk: Buffer | string) => {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (data.length === 0) return;
      sent += data.length;
      const ok = chunked ? socket.write(Buffer.concat([Buffer.from(`${data.length.toString(16)}${CRLF}`, 'latin1'), data, Buffer.from(CRLF, 'latin1')])) : socket.write(data);
      if (!ok) source.pause();
    });
    source.on('end', () => {
      cleanup();
      // A file that shrank while being sent: the framing is now a lie, so the connection must go.
      if (expectedLength !== undefined && sent !== expectedLength) {
        reject(new Error(`body ended after ${sent} of ${expectedLength} bytes`));
        return;
      }
      if (chunked) socket.write(`0${CRLF}${CRLF}`, 'latin1');
      resolve(sent);
    });
    source.on('error', (error: Error) => {
      cleanup();
      reject(error);
    });
  });
}
