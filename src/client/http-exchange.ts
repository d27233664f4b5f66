/**
 * One HTTP/1.1 request and its response over one fresh connection (TCP, or TLS for
 * https): write the request head and content, feed the parser, stream the body to a sink
 * with flow control.
 */
import type net from 'node:net';
import type tls from 'node:tls';
import type { Writable } from 'node:stream';
import { ClientFailure, OutputFailure } from './client-failure.js';
import { connectTcp, describeConnectError, formatHost, formatSeconds } from './connect.js';
import type { BodyFraming } from './http-framing.js';
import type { HttpField, ResponseHead } from './http-message.js';
import { HttpResponseParser, type ResponseEvent } from './http-response-parser.js';
import type { HttpTarget } from './http-target.js';
import { openUpload, type RequestBody } from './request-body.js';
import { connectTls, describeSession } from './tls-connect.js';

const EMPTY = Buffer.alloc(0);

export interface ExchangeRequest {
  readonly target: HttpTarget;
  readonly method: string;
  /** The request head exactly as it goes on the wire. */
  readonly head: string;
  /** Connect time-out, and the longest silence allowed while waiting for the response. */
  readonly timeoutMs: number;
  /** Content sent after the head (its Content-Length is already in the head). */
  readonly body?: RequestBody | undefined;
  /** https: accept any certificate (-k). */
  readonly insecure?: boolean;
  /** Aborting ends the exchange at once; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

export interface ExchangeHandler {
  /** `tls` describes the TLS session for https (version, ALPN, whether the certificate was verified). */
  onConnected?(address: string, tls?: string): void;
  onInformational?(head: ResponseHead): void;
  /** Where the body goes; undefined stops reading and closes (e.g. before a redirect). */
  onHead(head: ResponseHead, framing: BodyFraming): Writable | undefined;
  onTrailers?(fields: readonly HttpField[]): void;
}

/** Resolves with the final response head once the response is complete (or abandoned). */
export async function exchange(request: ExchangeRequest, handler: ExchangeHandler): Promise<ResponseHead> {
  const { target, timeoutMs, signal } = request;
  signal?.throwIfAborted();
  const socket = await connect(request);
  if (signal?.aborted) {
    socket.destroy();
    signal.throwIfAborted();
  }
  handler.onConnected?.(socket.remoteAddress ?? target.hostname, target.secure ? describeSession(socket as tls.TLSSocket) : undefined);
  const where = `${formatHost(target.hostname)} port ${target.port}`;

  return new Promise((resolve, reject) => {
    const parser = new HttpResponseParser({ requestMethod: request.method });
    let finalHead: ResponseHead | undefined;
    let sink: Writable | undefined;
    let settled = false;
    /** The whole response has arrived; what remains is for the sink to take the last bytes. */
    let complete = false;

    const onSinkError = (error: Error): void => settle(new OutputFailure(error));
    const resumeSocket = (): void => {
      socket.resume();
    };
    const upload = request.body?.kind === 'file' ? openUpload(request.body) : undefined;
    const onAbort = (): void => settle(signal?.reason instanceof Error ? signal.reason : new ClientFailure('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (failure?: Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      upload?.destroy();
      socket.destroy();
      sink?.off('error', onSinkError);
      sink?.off('drain', resumeSocket);
      if (failure) reject(failure);
      else resolve(finalHead as ResponseHead);
    };

    /**
     * The response is complete: the connection is done with, but a slow sink may still hold
     * the tail of the body. Resolve once it has taken every byte written to it (writes are
     * taken in order, so the callback of an empty write comes after all of them).
     */
    const finish = (): void => {
      complete = true;
      // A server may answer before taking all of an upload (413, 401): the rest is not wanted.
      upload?.destroy();
      socket.destroy();
      if (sink === undefined || sink.writableLength === 0) return settle();
      sink.write(EMPTY, () => settle());
    };

    /** A file-backed standard output writes synchronously, and a failed write throws. */
    const writeToSink = (to: Writable, data: Buffer): boolean => {
      try {
        return to.write(data);
      } catch (error) {
        settle(new OutputFailure(error as Error));
        return true;
      }
    };

    const handle = (events: readonly ResponseEvent[]): void => {
      for (const event of events) {
        if (settled) return;
        switch (event.type) {
          case 'informational':
            handler.onInformational?.(event.head);
            break;
          case 'head':
            finalHead = event.head;
            sink = handler.onHead(event.head, event.framing);
            if (!sink) return settle();
            sink.on('error', onSinkError);
            break;
          case 'body':
            // The reader of our output is slower than the server: stop reading the socket
            // until it catches up, so the body never piles up in memory.
            if (sink && !writeToSink(sink, event.data)) {
              socket.pause();
              sink.once('drain', resumeSocket);
            }
            break;
          case 'trailers':
            handler.onTrailers?.(event.fields);
            break;
          case 'complete':
            return finish();
          case 'error':
            return settle(new ClientFailure(`malformed response from ${where}: ${event.error.message}`));
        }
      }
    };

    socket.on('data', (chunk: Buffer) => handle(parser.push(chunk)));
    socket.on('end', () => handle(parser.end()));
    socket.on('error', (error) => complete || settle(new ClientFailure(describeConnectError(error, target.hostname, target.port))));
    socket.on('close', () => complete || settle(new ClientFailure(`the connection to ${where} closed unexpectedly`)));
    socket.setTimeout(timeoutMs, () => {
      const waitingFor = finalHead ? 'the rest of the response' : 'a response';
      settle(new ClientFailure(`timed out waiting for ${waitingFor} from ${where} (nothing for ${formatSeconds(timeoutMs)})`));
    });
    socket.write(request.head);
    if (request.body?.kind === 'bytes') socket.write(request.body.data);
    if (upload && request.body?.kind === 'file') {
      const { path, size } = request.body;
      let sent = 0;
      upload.on('data', (chunk) => {
        sent += chunk.length;
      });
      upload.on('error', (error) => settle(new ClientFailure(`cannot read ${path} while sending it: ${error.message}`)));
      // Fewer bytes than announced would leave the server waiting for the rest.
      upload.on('end', () => sent < size && settle(new ClientFailure(`${path} became shorter while it was sent (${sent} of ${size} bytes)`)));
      // pipe() gives flow control: a slow server pauses our reading of the file. The
      // connection stays open for the response (end: false).
      upload.pipe(socket, { end: false });
    }
  });
}

/** TCP, or TLS over it for https. */
function connect(request: ExchangeRequest): Promise<net.Socket> {
  const { target, timeoutMs } = request;
  if (target.secure) return connectTls({ host: target.hostname, port: target.port, timeoutMs, insecure: request.insecure === true });
  return connectTcp({ host: target.hostname, port: target.port, timeoutMs });
}
