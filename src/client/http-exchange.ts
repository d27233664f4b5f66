/**
 * One HTTP/1.1 request and its response over one fresh connection: write the request
 * head, feed the parser, stream the body to a sink with flow control.
 */
import type { Writable } from 'node:stream';
import { ClientFailure } from './client-failure.js';
import { connectTcp, describeConnectError, formatHost, formatSeconds } from './connect.js';
import type { BodyFraming } from './http-framing.js';
import type { HttpField, ResponseHead } from './http-message.js';
import { HttpResponseParser, type ResponseEvent } from './http-response-parser.js';
import type { HttpTarget } from './http-target.js';

const EMPTY = Buffer.alloc(0);

export interface ExchangeRequest {
  readonly target: HttpTarget;
  readonly method: string;
  /** The request head exactly as it goes on the wire. */
  readonly head: string;
  /** Connect time-out, and the longest silence allowed while waiting for the response. */
  readonly timeoutMs: number;
}

export interface ExchangeHandler {
  onConnected?(address: string): void;
  onInformational?(head: ResponseHead): void;
  /** Where the body goes; undefined stops reading and closes (e.g. before a redirect). */
  onHead(head: ResponseHead, framing: BodyFraming): Writable | undefined;
  onTrailers?(fields: readonly HttpField[]): void;
}

/** Resolves with the final response head once the response is complete (or abandoned). */
export async function exchange(request: ExchangeRequest, handler: ExchangeHandler): Promise<ResponseHead> {
  const { target, timeoutMs } = request;
  const socket = await connectTcp({ host: target.hostname, port: target.port, timeoutMs });
  handler.onConnected?.(socket.remoteAddress ?? target.hostname);
  const where = `${formatHost(target.hostname)} port ${target.port}`;

  return new Promise((resolve, reject) => {
    const parser = new HttpResponseParser({ requestMethod: request.method });
    let finalHead: ResponseHead | undefined;
    let sink: Writable | undefined;
    let settled = false;
    /** The whole response has arrived; what remains is for the sink to take the last bytes. */
    let complete = false;

    const onSinkError = (error: Error): void => settle(new ClientFailure(`cannot write the response body: ${error.message}`));
    const resumeSocket = (): void => {
      socket.resume();
    };
    const settle = (failure?: Error): void => {
      if (settled) return;
      settled = true;
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
      socket.destroy();
      if (sink === undefined || sink.writableLength === 0) return settle();
      sink.write(EMPTY, () => settle());
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
            if (sink && !sink.write(event.data)) {
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
  });
}
