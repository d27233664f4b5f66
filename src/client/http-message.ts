/** The shapes of a parsed HTTP/1.1 response, shared by the parser and the framing rules. */

export interface HttpField {
  readonly name: string;
  readonly value: string;
}

export interface ResponseHead {
  /** "1.1" or "1.0". */
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  readonly fields: readonly HttpField[];
}

/** The response cannot be trusted; the message says why, for one line on stderr. */
export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}
