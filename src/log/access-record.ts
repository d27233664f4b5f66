/**
 * What the access log needs to know about one answered request (docs/serve.md, the access log).
 * Strings hold what came off the wire; characters up to U+00FF are taken as the bytes they
 * stand for (the latin1 reading of raw header bytes), anything above as UTF-8.
 */
export interface AccessRecord {
  /** As the socket gives it, possibly '::ffff:1.2.3.4'. */
  readonly remoteAddress: string;
  /** The authenticated user, or undefined (logged as '-'). */
  readonly user: string | undefined;
  /** When the request was received. */
  readonly time: Date;
  /** The request line as received, e.g. 'GET /a HTTP/1.1' (may be junk for a 400). */
  readonly requestLine: string;
  readonly status: number;
  /** Body bytes sent, 0 for none. */
  readonly bytes: number;
  /** From the request's first byte to the answer's last, in microseconds (0 when no request arrived). */
  readonly durationUs: number;
  readonly referer: string | undefined;
  readonly userAgent: string | undefined;
}

/** Common Log Format, `combined` (common plus Referer and User-Agent), or one JSON object per line. */
export type LogFormat = 'common' | 'combined' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['common', 'combined', 'json'];
