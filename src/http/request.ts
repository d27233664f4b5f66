import type { Fields } from './fields.js';

/** How the request body is delimited (RFC 9112 section 6.3). */
export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' };

/** A request head as parsed from the wire, before any body is read. */
export interface RequestHead {
  readonly method: string;
  /** The request-target exactly as sent. */
  readonly target: string;
  /** `HTTP/1.1` or `HTTP/1.0`: the only versions that get this far. */
  readonly version: 'HTTP/1.1' | 'HTTP/1.0';
  /** The request line as received, for the access log and TRACE. */
  readonly requestLine: string;
  readonly fields: Fields;
  /** The head exactly as received (request line, fields, the empty line), latin1. */
  readonly rawHead: string;
  /** Path and query of the target: origin-form as is, absolute-form reduced to it, `*` as is. */
  readonly pathAndQuery: string;
  /** Host from an absolute-form target, else from the Host field (RFC 9112 section 3.2.2). */
  readonly authority: string | undefined;
  readonly bodyFraming: BodyFraming;
  /** The client asked to keep the connection open after this exchange (section 9.3). */
  readonly keepAlive: boolean;
  /** `Expect: 100-continue` was sent (RFC 9110 section 10.1.1). */
  readonly expectContinue: boolean;
}

/** Where a request came from and arrived at. */
export interface Peer {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}
