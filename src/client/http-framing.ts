/**
 * How the body of a response is delimited: RFC 9112 §6.3, in the rule order of the RFC.
 * Getting this wrong is how response smuggling starts, so doubtful framing is an error.
 */
import { MalformedResponseError, type ResponseHead } from './http-message.js';

export type BodyFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  | { readonly kind: 'close' };

/** Content-Length values longer than this cannot be real (and would lose precision). */
const MAX_LENGTH_DIGITS = 15;

export function bodyFraming(requestMethod: string, head: ResponseHead): BodyFraming {
  const { status } = head;
  // Rule 1: HEAD responses, 1xx, 204 and 304 never have a body.
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) return { kind: 'none' };
  // Rule 2: a 2xx answer to CONNECT turns the connection into a tunnel.
  if (requestMethod === 'CONNECT' && status < 300) return { kind: 'none' };

  const codings = listValues(head, 'transfer-encoding').map((coding) => coding.toLowerCase());
  if (codings.length > 0) {
    // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing; read to close.
    if (head.version === '1.0') return { kind: 'close' };
    const chunkedAt = codings.indexOf('chunked');
    // Rule 4: chunked last means chunked framing (and Content-Length is ignored); chunked
    // anywhere else, or twice, is invalid; other codings alone mean read until close.
    if (chunkedAt === codings.length - 1 && chunkedAt === codings.lastIndexOf('chunked')) return { kind: 'chunked' };
    if (chunkedAt !== -1) throw new MalformedResponseError(`invalid Transfer-Encoding '${codings.join(', ')}'`);
    return { kind: 'close' };
  }

  const lengths = listValues(head, 'content-length', true);
  if (lengths.length > 0) {
    // Rule 5: repeated identical values (`42, 42`) are one value; anything else is fatal.
    const invalid = lengths.find((value) => !/^\d+$/.test(value));
    if (invalid !== undefined) throw new MalformedResponseError(`invalid Content-Length '${invalid}'`);
    const distinct = new Set(lengths.map((value) => value.replace(/^0+(?=.)/, '')));
    if (distinct.size > 1) throw new MalformedResponseError(`conflicting Content-Length values (${[...distinct].join(', ')})`);
    const digits = [...distinct][0] as string;
    if (digits.length > MAX_LENGTH_DIGITS) throw new MalformedResponseError(`Content-Length ${digits} is too large`);
    return { kind: 'length', length: Number(digits) };
  }
  // Rule 8: a response with neither is delimited by the server closing the connection.
  return { kind: 'close' };
}

/**
 * All comma-separated elements of every field with this (lowercase) name, RFC 9110 §5.3.
 * Empty elements are dropped unless asked for (an empty Content-Length is an error).
 */
function listValues(head: ResponseHead, name: string, keepEmpty = false): string[] {
  return head.fields
    .filter((field) => field.name.toLowerCase() === name)
    .flatMap((field) => field.value.split(','))
    .map((element) => element.trim())
    .filter((element) => keepEmpty || element !== '');
}
