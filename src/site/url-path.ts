/**
 * From request-target to a clean, decoded path (docs/serve.md, URLs, files and media types): percent-decode once,
 * then remove dot segments (RFC 3986 section 5.2.4), refusing anything that could name a
 * file outside the document root.
 */
import { HttpError } from '../http/http-error.js';

export interface RequestPath {
  /** Decoded path, always starting with '/', dot segments removed. */
  readonly path: string;
  /** The path part of the target as sent (still percent-encoded), for redirects. */
  readonly rawPath: string;
  /** The query without '?', or undefined when there was none. It never affects mapping. */
  readonly query: string | undefined;
  /** The decoded segments of `path` (no empty ones except a final '' for a trailing slash). */
  readonly segments: readonly string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Percent-decodes a path once; the bytes are then read as UTF-8 (RFC 3986 section 2.5). */
export function percentDecodePath(raw: string): string {
  const bytes = Buffer.from(raw, 'latin1');
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte !== 0x25 /* % */) {
      out[n++] = byte;
      continue;
    }
    const hi = hexValue(bytes[i + 1]);
    const lo = hexValue(bytes[i + 2]);
    if (hi < 0 || lo < 0) throw new HttpError(400, 'The path contains a malformed percent-encoding.');
    const decoded = hi * 16 + lo;
    if (decoded === 0) throw new HttpError(400, 'The path contains an encoded NUL byte.');
    // An encoded slash inside a segment would let a name span directories (Apache's
    // AllowEncodedSlashes Off answers 404 the same way).
    if (decoded === 0x2f) throw new HttpError(404, 'The path contains an encoded slash (%2F), which this server does not map to files.');
    out[n++] = decoded;
    i += 2;
  }
  try {
    return utf8.decode(out.subarray(0, n));
  } catch {
    throw new HttpError(400, 'The path is not valid UTF-8 after percent-decoding.');
  }
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/**
 * Removes `.` and `..` segments. Unlike RFC 3986's algorithm, which silently stops at the
 * root, a `..` that would climb above the root is refused: it is never an honest request.
 */
export function removeDotSegments(path: string): string[] {
  const input = path.split('/').slice(1);
  const output: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const segment = input[i] as string;
    const last = i === input.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') {
        if (output.length === 0 || (output.length === 1 && output[0] === '')) {
          throw new HttpError(400, 'The path climbs above the document root.');
        }
        output.pop();
      }
      // A final dot segment leaves a directory path: keep the trailing slash.
      if (last) output.push('');
      continue;
    }
    // Collapse empty segments ('//') except a final one, which marks a trailing slash.
    if (segment === '' && !last) continue;
    output.push(segment);
  }
  return output.length === 0 ? [''] : output;
}

/** Anything but a plain path: percent signs, dot segments, empty segments, non-ASCII. */
const NEEDS_NORMALISING = /%|\/\.|\/\/|[^\x21-\x7e]/;

/** Paths already parsed: clients ask for the same few again and again. Frozen, shared. */
const parsedPaths = new Map<string, RequestPath>();
const PARSED_PATHS_LIMIT = 2000;

/** Splits and decodes the path-and-query of a request (the result is frozen and may be shared). */
export function parseRequestPath(pathAndQuery: string): RequestPath {
  let parsed = parsedPaths.get(pathAndQuery);
  if (parsed === undefined) {
    parsed = Object.freeze(parsePathAndQuery(pathAndQuery));
    // Clearing when full is cruder than LRU but costs nothing per hit.
    if (parsedPaths.size >= PARSED_PATHS_LIMIT) parsedPaths.clear();
    parsedPaths.set(pathAndQuery, parsed);
  }
  return parsed;
}

function parsePathAndQuery(pathAndQuery: string): RequestPath {
  const q = pathAndQuery.indexOf('?');
  const rawPath = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q === -1 ? undefined : pathAndQuery.slice(q + 1);
  // The common case, a plain ASCII path with nothing to decode or remove, skips the work.
  if (!NEEDS_NORMALISING.test(rawPath)) return { path: rawPath, rawPath, query, segments: Object.freeze(rawPath.slice(1).split('/')) };
  const decoded = percentDecodePath(rawPath);
  const segments = removeDotSegments(decoded);
  return { path: `/${segments.join('/')}`, rawPath, query, segments: Object.freeze(segments) };
}

/** Percent-encodes a decoded path for a Location field or a link (RFC 3986 pchar + '/'). */
export function encodePath(path: string): string {
  return encodeURI(path).replace(/[?#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
