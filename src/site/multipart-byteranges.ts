/**
 * multipart/byteranges (RFC 9110 section 14.6): the framing around the parts of a 206 with
 * several ranges, planned up front so the exact Content-Length is known before any file byte
 * is read. The body is, for each part, its head then the file bytes of its range; then the tail.
 *
 * Each head starts with CRLF, so the body opens with an empty preamble and CRLF (RFC 2046
 * 5.1.1 allows it); every later CRLF belongs to the delimiter before the next boundary.
 */
import { randomBytes } from 'node:crypto';
import type { ByteRange } from './range.js';
import { contentRangeValue } from './range.js';

export interface MultipartPart {
  /** '\r\n--BOUNDARY\r\nContent-Type: ...\r\nContent-Range: bytes a-b/size\r\n\r\n' */
  readonly head: Buffer;
  readonly range: ByteRange;
}

export interface MultipartPlan {
  /** 'multipart/byteranges; boundary=...' */
  readonly contentType: string;
  readonly parts: readonly MultipartPart[];
  /** '\r\n--BOUNDARY--\r\n' */
  readonly tail: Buffer;
  /** Exact number of body bytes: heads, range bytes and tail. */
  readonly length: number;
}

/** boundary := 0*69<bchars> bcharsnospace (RFC 2046 5.1.1). */
const BOUNDARY_PATTERN = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
/** A boundary made only of token characters needs no quotes as a parameter value (RFC 9110 5.6.6). */
const TOKEN_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Plans a multipart/byteranges body for `ranges` of a representation of `size` bytes whose own
 * Content-Type is `partContentType` (14.6: each part carries it; an empty string omits it).
 * The boundary defaults to 32 random hex digits, which cannot plausibly occur in the content.
 * Throws RangeError for an empty list, a range outside [0, size - 1], an invalid boundary, or
 * a part Content-Type containing a line break.
 */
export function planMultipartByteranges(
  ranges: readonly ByteRange[],
  size: number,
  partContentType: string,
  boundary: string = randomBoundary(),
): MultipartPlan {
  if (ranges.length === 0) throw new RangeError('multipart/byteranges needs at least one range');
  if (!BOUNDARY_PATTERN.test(boundary)) throw new RangeError(`invalid multipart boundary: ${JSON.stringify(boundary)}`);
  if (/[\r\n]/.test(partContentType)) throw new RangeError('part Content-Type must be a single line');
  const typeLine = partContentType === '' ? '' : `Content-Type: ${partContentType}\r\n`;
  let length = 0;
  const parts = ranges.map((range): MultipartPart => {
    assertRangeWithin(range, size);
    const head = Buffer.from(`\r\n--${boundary}\r\n${typeLine}Content-Range: ${contentRangeValue(range, size)}\r\n\r\n`, 'latin1');
    length += head.length + (range.end - range.start + 1);
    return { head, range };
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundaryParameter(boundary)}`, parts, tail, length };
}

/** 16 random bytes as hex: a token, so it never needs quoting. */
function randomBoundary(): string {
  return randomBytes(16).toString('hex');
}

/** The boundary as a parameter value: bare when it is a token, else a quoted-string (RFC 9110 5.6.6). */
function boundaryParameter(boundary: string): string {
  return TOKEN_PATTERN.test(boundary) ? boundary : `"${boundary}"`;
}

function assertRangeWithin(range: ByteRange, size: number): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end >= size) {
    throw new RangeError(`byte range ${start}-${end} is outside a representation of ${size} bytes`);
  }
}
