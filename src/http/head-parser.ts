/**
 * The request-head parser (RFC 9112 sections 2-3, 5-6): pure functions over bytes, so the
 * connection can feed it whatever has arrived and the tests can feed it anything.
 *
 * The connection calls findHeadEnd() on the bytes it has; only when a whole head is there
 * does parseRequestHead() run, once, over exactly those bytes. Until then, checkIncompleteHead()
 * enforces the size limits so a client cannot make us buffer more than they allow.
 */
import { Fields } from './fields.js';
import { HttpError } from './http-error.js';
import type { HttpLimits } from './limits.js';
import type { BodyFraming, RequestHead } from './request.js';
import { TCHAR, splitList, trimOws } from './syntax.js';

const LF = 0x0a;
const CR = 0x0d;

/** Bytes allowed on the request line beyond the target: method, two spaces, version. */
const REQUEST_LINE_SLACK = 64;

/**
 * Number of bytes at `start` that are empty lines before a request line. RFC 9112 section
 * 2.2: a server SHOULD ignore at least one empty line received before the request-line.
 */
export function skipLeadingEmptyLines(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const byte = buf[i];
    if (byte === LF) i++;
    else if (byte === CR && i + 1 < end && buf[i + 1] === LF) i += 2;
    else break;
  }
  return i - start;
}

/**
 * Index just past the empty line that ends the head starting at `start`, or -1 when the head
 * is not complete yet. A bare LF counts as a line end (section 2.2); `from` lets the caller
 * resume the search where the previous call stopped instead of rescanning.
 */
export function findHeadEnd(buf: Buffer, start: number, end: number, from = start): number {
  let i = Math.max(start, from - 2);
  for (;;) {
    const lf = buf.indexOf(LF, i);
    if (lf === -1 || lf >= end) return -1;
    const next = lf + 1;
    if (next < end && buf[next] === LF) return next + 1;
    if (next + 1 < end && buf[next] === CR && buf[next + 1] === LF) return next + 2;
    i = next;
  }
}

/**
 * Enforces the limits on a head that has not ended yet: a request line that is longer than
 * the target limit allows -> 414, a header section past its limit -> 431.
 */
export function checkIncompleteHead(buf: Buffer, start: number, end: number, limits: HttpLimits): void {
  const firstLf = buf.indexOf(LF, start);
  if (firstLf === -1 || firstLf >= end) {
    if (end - start > limits.maxUriBytes + REQUEST_LINE_SLACK) {
      throw new HttpError(414, 'The request line is longer than this server accepts.', { close: true });
    }
    return;
  }
  // A trailing CR may be the first half of the line end; it is not counted yet.
  const trailingCr = buf[end - 1] === CR ? 1 : 0;
  if (end - (firstLf + 1) - trailingCr > limits.maxHeaderBytes) {
    throw new HttpError(431, 'The request header section is larger than this server accepts.', { close: true });
  }
}

/** field-value bytes: VCHAR, SP, HTAB and obs-text (RFC 9110 section 5.5); no other controls. */
const FIELD_VALUE_BYTE = byteTable((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));
/** request-target bytes: no whitespace or controls (RFC 9112 section 3.2). */
const TARGET_BYTE = byteTable((c) => c > 0x20 && c !== 0x7f);
/** A tab in the whitespace that ends a line. */
const TRAILING_TAB = /\t[ \t]*$/;
const VERSION_LIKE = /^HTTP\/\d+\.\d+$/;
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)(?:#.*)?$/;
/** uri-host [":" port]: a reg-name / IPv4 or an IP-literal in brackets (RFC 3986 section 3.2.2). */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

function byteTable(test: (byte: number) => boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = test(c) ? 1 : 0;
  return table;
}

/** True when every char of s (a latin1 string) is allowed by the table; empty fails when nonEmpty. */
function allBytes(s: string, table: Uint8Array, nonEmpty: boolean): boolean {
  const n = s.length;
  if (n === 0) return !nonEmpty;
  for (let i = 0; i < n; i++) if (table[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Lower-case field names, remembered: most requests repeat the same dozen names. */
const lowerNames = new Map<string, string>();
function lowerName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerNames.size < 1000) lowerNames.set(name, lower);
  }
  return lower;
}

const bad = (message: string): HttpError => new HttpError(400, message, { close: true });

/**
 * Parses a complete head (`buf[start..end)`, as delimited by findHeadEnd) into a RequestHead,
 * or throws the HttpError the client must be answered with.
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, limits: HttpLimits): RequestHead {
  const rawHead = buf.toString('latin1', start, end);
  // Section 2.2: a CR is only allowed right before an LF.
  for (let cr = rawHead.indexOf('\r'); cr !== -1; cr = rawHead.indexOf('\r', cr + 1)) {
    if (rawHead.charCodeAt(cr + 1) !== 0x0a) throw bad('The request head contains a bare carriage return.');
  }
  let lf = rawHead.indexOf('\n');
  const requestLine = rawHead.slice(0, rawHead.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf);
  const { method, target, version } = parseRequestLine(requestLine, limits);
  // The header section: from after the request line's LF to before the final empty line.
  const finalLineLength = rawHead.charCodeAt(rawHead.length - 2) === 0x0d ? 2 : 1;
  if (rawHead.length - (lf + 1) - finalLineLength > limits.maxHeaderBytes) {
    throw new HttpError(431, 'The request header section is larger than this server accepts.', { close: true });
  }

  const fields = new Fields();
  for (let pos = lf + 1; ; pos = lf + 1) {
    lf = rawHead.indexOf('\n', pos);
    const lineEnd = rawHead.charCodeAt(lf - 1) === 0x0d && lf - 1 >= pos ? lf - 1 : lf;
    if (lineEnd === pos) break;
    if (fields.list.length === limits.maxHeaderFields) {
      throw new HttpError(431, `The request has more than ${limits.maxHeaderFields} header fields.`, { close: true });
    }
    parseFieldLine(rawHead.slice(pos, lineEnd), fields);
  }
  return interpretHead(method, target, version, requestLine, fields, rawHead);
}

/** request-line = method SP request-target SP HTTP-version (RFC 9112 section 3). */
function parseRequestLine(
  line: string,
  limits: HttpLimits,
): { method: string; target: string; version: 'HTTP/1.1' | 'HTTP/1.0' } {
  const firstSpace = line.indexOf(' ');
  const lastSpace = line.lastIndexOf(' ');
  const target = line.slice(firstSpace + 1, lastSpace);
  if (firstSpace <= 0 || lastSpace === firstSpace || target.includes(' ')) {
    // Too long a target with spaces in it is still "too long" to the user who sent it.
    if (line.length > limits.maxUriBytes + REQUEST_LINE_SLACK) throw new HttpError(414, 'The request line is too long.', { close: true });
    throw bad('The request line must be: method, one space, target, one space, HTTP version.');
  }
  const method = line.slice(0, firstSpace);
  const version = line.slice(lastSpace + 1);
  if (method !== 'GET' && !allBytes(method, TCHAR, true)) throw bad('The request method is not a valid token.');
  if (target.length > limits.maxUriBytes) {
    throw new HttpError(414, `The request target is longer than ${limits.maxUriBytes} bytes.`, { close: true });
  }
  if (!allBytes(target, TARGET_BYTE, true)) throw bad('The request target is empty or contains spaces or control characters.');
  if (version === 'HTTP/1.1' || version === 'HTTP/1.0') return { method, target, version };
  // A well-formed version this server does not speak -> 505 (RFC 9110 section 15.6.6).
  if (VERSION_LIKE.test(version)) {
    throw new HttpError(505, `This server speaks HTTP/1.1 and HTTP/1.0, not ${version}.`, { close: true });
  }
  throw bad('The HTTP version is malformed.');
}

/** field-line = field-name ":" OWS field-value OWS (RFC 9112 section 5). */
function parseFieldLine(line: string, fields: Fields): void {
  const first = line.charCodeAt(0);
  // Section 5.2: obs-fold (a line starting with SP or HTAB) is rejected.
  if (first === 0x20 || first === 0x09) throw bad('Header field line folding (obs-fold) is not accepted.');
  const colon = line.indexOf(':');
  if (colon <= 0) throw bad(colon === 0 ? 'A header field has an empty name.' : 'A header field line has no colon.');
  const name = line.slice(0, colon);
  // Section 5.1: no whitespace between name and colon; a name is a token.
  if (!allBytes(name, TCHAR, true)) throw bad(`The header field name '${printable(name)}' is invalid.`);
  const value = trimOws(line, colon + 1);
  if (!allBytes(value, FIELD_VALUE_BYTE, false)) throw bad(`The value of header field '${name}' contains control characters.`);
  const lower = lowerName(name);
  // llhttp refuses a Transfer-Encoding value followed by a tab; so does porta, so that no
  // parser in front of it can read the framing differently (never more lenient on framing).
  if (lower === 'transfer-encoding' && TRAILING_TAB.test(line)) {
    throw bad('The Transfer-Encoding field is malformed.');
  }
  fields.add(lower, value);
}

function printable(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?').slice(0, 64);
}

/** The rules that depend on several fields at once: Host, framing, persistence. */
function interpretHead(
  method: string,
  target: string,
  version: 'HTTP/1.1' | 'HTTP/1.0',
  requestLine: string,
  fields: Fields,
  rawHead: string,
): RequestHead {
  // RFC 9112 section 3.2: exactly one Host in HTTP/1.1, and a valid one.
  if (fields.hostCount > 1) throw bad('The request has more than one Host field.');
  if (fields.hostCount === 0 && version === 'HTTP/1.1') throw bad('An HTTP/1.1 request must have a Host field.');
  const host = fields.host;
  if (host !== undefined && !isValidHost(host)) throw bad('The Host field is not a valid host name.');
  // docs/protocol.md: Authorization is singular.
  if (fields.authorizationCount > 1) throw bad('The request has more than one Authorization field.');

  const { pathAndQuery, authority } = interpretTarget(method, target, host);
  const bodyFraming = interpretFraming(fields, version);
  const keepAlive = persists(fields, version);

  let expectContinue = false;
  const expect = fields.get('expect');
  if (expect !== undefined) {
    // RFC 9110 section 10.1.1: 100-continue is the only expectation defined.
    if (expect.toLowerCase() !== '100-continue') {
      throw new HttpError(417, `The expectation '${printable(expect)}' cannot be met by this server.`);
    }
    expectContinue = version === 'HTTP/1.1';
  }
  return { method, target, version, requestLine, fields, rawHead, pathAndQuery, authority, bodyFraming, keepAlive, expectContinue };
}

/** The last Host value found valid: a connection's requests, and most clients', repeat it. */
let lastValidHost = '';

function isValidHost(host: string): boolean {
  if (host === lastValidHost) return true;
  if (!HOST.test(host)) return false;
  lastValidHost = host;
  return true;
}

/**
 * RFC 9112 section 9.3: HTTP/1.1 persists unless Connection says close; HTTP/1.0 only when
 * it says keep-alive (and not close).
 */
function persists(fields: Fields, version: 'HTTP/1.1' | 'HTTP/1.0'): boolean {
  const connection = fields.get('connection');
  if (connection === undefined) return version === 'HTTP/1.1';
  const lower = connection.toLowerCase();
  if (lower === 'keep-alive') return true;
  if (lower === 'close') return false;
  const tokens = fields.tokens('connection');
  return version === 'HTTP/1.1' ? !tokens.includes('close') : tokens.includes('keep-alive') && !tokens.includes('close');
}

/** The four request-target forms of RFC 9112 section 3.2. */
function interpretTarget(
  method: string,
  target: string,
  host: string | undefined,
): { pathAndQuery: string; authority: string | undefined } {
  if (target.charCodeAt(0) === 0x2f /* / */) return { pathAndQuery: withoutFragment(target), authority: host };
  if (target === '*') {
    if (method !== 'OPTIONS') throw bad('The asterisk target is only valid with OPTIONS.');
    return { pathAndQuery: '*', authority: host };
  }
  const absolute = ABSOLUTE_FORM.exec(target);
  if (absolute) {
    const authority = absolute[2] as string;
    if (authority === '' || !HOST.test(authority)) throw bad('The host in the absolute request target is invalid.');
    const rest = absolute[3] as string;
    // Section 3.2.2: the target's authority replaces Host.
    return { pathAndQuery: rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest, authority };
  }
  if (method === 'CONNECT' && HOST.test(target)) return { pathAndQuery: target, authority: target };
  throw bad('The request target is not an absolute path or URL.');
}

/**
 * A fragment never belongs in a request-target (RFC 9112 section 3.2: origin-form is
 * absolute-path [ "?" query ]), but some clients send one: like nginx, porta ignores it
 * rather than looking for a file whose name contains '#'.
 */
function withoutFragment(target: string): string {
  const hash = target.indexOf('#');
  return hash === -1 ? target : target.slice(0, hash);
}

/** RFC 9112 section 6.1-6.3: how long the body is, refusing anything ambiguous. */
function interpretFraming(fields: Fields, version: 'HTTP/1.1' | 'HTTP/1.0'): BodyFraming {
  const transferEncoding = fields.get('transfer-encoding');
  const contentLength = fields.get('content-length');
  if (transferEncoding !== undefined) {
    // Section 6.3 point 3: both present is a smuggling attempt; answer and close.
    if (contentLength !== undefined) throw bad('The request has both Content-Length and Transfer-Encoding.');
    // Section 6.1: Transfer-Encoding in an HTTP/1.0 message means the framing is faulty.
    if (version === 'HTTP/1.0') throw bad('HTTP/1.0 requests cannot use Transfer-Encoding.');
    return interpretTransferEncoding(transferEncoding);
  }
  if (contentLength !== undefined) {
    // Section 6.3 point 5 lets a recipient accept repeated identical values; llhttp and
    // nginx refuse them, and so does porta (never more lenient than llhttp on framing).
    if (fields.contentLengthCount > 1 || contentLength.includes(',')) {
      throw bad('The request has more than one Content-Length value.');
    }
    if (!/^\d+$/.test(contentLength)) throw bad('The Content-Length field is not a valid number.');
    // Well-formed but beyond any body we accept (and beyond exact integers): 413.
    if (contentLength.replace(/^0+/, '').length > 15) {
      throw new HttpError(413, 'The declared request body is larger than this server accepts.', { close: true });
    }
    const length = Number(contentLength);
    return length === 0 ? { kind: 'none' } : { kind: 'length', length };
  }
  return { kind: 'none' };
}

/**
 * Transfer-Encoding = #transfer-coding (RFC 9112 section 6.1). Section 6.3 point 4: chunked
 * must be applied exactly once, and last, or the length cannot be known: 400 and close.
 * Section 7: chunked takes no parameters, so `chunked;q=1` or `chunked;` is not chunked.
 * A trailing empty element (`chunked,`) is refused as llhttp refuses it. Any other coding
 * is one porta does not implement: 501 (section 6.1), and close.
 */
function interpretTransferEncoding(value: string): BodyFraming {
  const elements = splitList(value).map((element) => trimOws(element));
  while (elements.length > 0 && elements[0] === '') elements.shift();
  const isChunked = (element: string): boolean => element.toLowerCase() === 'chunked';
  const looksChunked = (element: string): boolean => /^chunked(?![!#$%&'*+\-.^_`|~0-9A-Za-z])/i.test(element);
  const last = elements[elements.length - 1];
  const others = elements.slice(0, -1);
  if (last === undefined || last === '' || others.some((element) => element === '' || looksChunked(element))) {
    throw bad('The chunked transfer coding must be applied exactly once, last, and without parameters.');
  }
  if (!isChunked(last) && looksChunked(last)) throw bad('The chunked transfer coding takes no parameters.');
  const unknown = isChunked(last) ? others[0] : last;
  if (unknown !== undefined) {
    const coding = trimOws(unknown.split(';')[0] ?? unknown);
    throw new HttpError(501, `The transfer coding '${printable(coding)}' is not implemented.`, { close: true });
  }
  return { kind: 'chunked' };
}
