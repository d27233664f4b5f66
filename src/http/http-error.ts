/**
 * An error that is answered with an HTTP status: a value, not a bug. `message` is the
 * sentence shown to the client on the error page; `cause` (optional) is for the server's
 * own log.
 *
 * It deliberately does not extend Error: an Error captures a stack trace when it is made,
 * which costs more than the rest of a 404 put together, and an answer needs no stack.
 */
export class HttpError {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly options: {
      /** The stream is out of sync (bad framing, bad head): close after answering. */
      readonly close?: boolean;
      /** Extra response fields, e.g. Allow for 405. */
      readonly headers?: ReadonlyArray<readonly [string, string]>;
      readonly cause?: unknown;
    } = {},
  ) {}

  toString(): string {
    return `HttpError ${this.status}: ${this.message}`;
  }
}
