/**
 * A client-side failure whose message is already the one clear line the user should see
 * ("connection refused by 127.0.0.1 port 9"). Its kind lets the cli layer pick the exit code
 * (docs/toolkit.md lists them); most failures are 'network'.
 */
export type FailureKind =
  /** Refused, unknown host, time-out, reset, malformed response: exit 1. */
  | 'network'
  /** The server's certificate could not be verified (curl's 60). */
  | 'certificate'
  /** The TLS handshake failed for another reason (curl's 35). */
  | 'tls'
  /** --fail and a status of 400 or more (curl's 22). */
  | 'http-status';

export class ClientFailure extends Error {
  override readonly name = 'ClientFailure';
  constructor(
    message: string,
    readonly kind: FailureKind = 'network',
  ) {
    super(message);
  }
}

/**
 * Writing the output (standard output, or the -o file) failed. `readerGone` when the reader
 * of a pipe went away (`porta get URL | head -1`): nothing is wrong, there is just nobody
 * left to write to, and the command ends quietly as curl's users expect.
 */
export class OutputFailure extends Error {
  override readonly name = 'OutputFailure';
  constructor(readonly error: Error) {
    super(error.message);
  }

  get readerGone(): boolean {
    return isReaderGone(this.error);
  }
}

/** EPIPE on a pipe, ECONNRESET on a socket pair, or a stream already torn down by either. */
export function isReaderGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'ERR_STREAM_DESTROYED';
}
