/**
 * An error that is answered with an HTTP status. `message` is the sentence shown to the
 * client on the error page; `cause` (optional) is for the server's own log.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly options: {
      /** The stream is out of sync (bad framing, bad head): close after answering. */
      readonly close?: boolean;
      /** Extra response fields, e.g. Allow for 405. */
      readonly headers?: ReadonlyArray<readonly [string, string]>;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message);
  }
}
