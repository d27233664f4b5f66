/**
 * `porta nc HOST PORT` over TCP: input to the socket, the socket to output, a half-close
 * (FIN) when input ends, and done when the server closes.
 */
import type { Readable, Writable } from 'node:stream';
import { ClientFailure } from './client-failure.js';
import { connectTcp, describeConnectError } from './connect.js';

export interface Peer {
  /** The name as given. */
  readonly host: string;
  /** The address actually used. */
  readonly address: string;
  readonly port: number;
}

export interface NcSessionOptions {
  readonly host: string;
  readonly port: number;
  /** Connect time-out (TCP) or reply time-out (UDP). */
  readonly timeoutMs: number;
  readonly input: Readable;
  readonly output: Writable;
  readonly onConnected?: (peer: Peer) => void;
}

/** Resolves once the server has closed the connection; rejects with a ClientFailure. */
export async function runTcpSession(options: NcSessionOptions): Promise<void> {
  const { host, port, input, output } = options;
  const socket = await connectTcp({ host, port, timeoutMs: options.timeoutMs });
  options.onConnected?.({ host, address: socket.remoteAddress ?? host, port });

  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    const stopInput = (): void => {
      input.unpipe(socket);
      input.pause();
    };

    // pipe() gives flow control both ways: a slow server pauses our reading of input, a
    // slow consumer of output pauses our reading of the socket.
    socket.pipe(output, { end: false });
    // When input ends, pipe() calls socket.end(): a half-close, so the server learns there
    // is no more to come and can still answer (an echo server then sends the rest and closes).
    input.pipe(socket);

    // The server closed its side; since we don't allow half-open, ours follows. Input
    // is no longer wanted.
    socket.on('end', stopInput);
    socket.on('error', (error) => {
      failure = error;
    });
    // The reader of our output went away (`porta nc ... | head -1`): nothing left to do.
    output.on('error', () => socket.destroy());
    socket.on('close', () => {
      stopInput();
      socket.unpipe(output);
      if (failure) reject(new ClientFailure(describeConnectError(failure, host, port)));
      else resolve();
    });
  });
}
