/**
 * The access log as one JSON object per line (`--log-format json`), with the fields log
 * shippers look for:
 *
 *   {"time":"2026-12-03T08:50:00.123Z","client":"127.0.0.1","method":"GET","target":"/a?b",
 *    "protocol":"HTTP/1.1","status":200,"bytes":2326,"duration_us":412,"user":null,
 *    "referer":null,"user_agent":"curl/8.5.0"}
 *
 * `time` is when the request began, in UTC; `duration_us` runs from its first byte to the
 * answer's last byte handed to the socket. A request line that is not `METHOD target
 * HTTP/x.y` (a 400 for junk, `-` for a connection that sent nothing) gives null method,
 * target and protocol, and the line itself as `request`. Absent fields are null.
 *
 * Target, referer and user agent are bytes off the wire (held one byte per character): bytes
 * that are valid UTF-8 are logged as that text; a value that is not has each byte above 0x7F
 * written as the four characters `\xHH`. JSON.stringify escapes quotes, backslashes and control
 * characters, so any bytes make one valid line (RFC 8259) and a client cannot add lines or
 * fields.
 */
import type { AccessRecord } from './access-record.js';
import { formatHost } from './host.js';

const REQUEST_LINE = /^(\S+) (\S+) (HTTP\/\d\.\d)$/;
const ALL_ASCII = /^[\x00-\x7f]*$/;
const BEYOND_LATIN1 = /[^\x00-\xff]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A wire value as JSON-ready text (see the comment at the top); null when absent. */
function wireText(value: string | undefined): string | null {
  if (value === undefined) return null;
  // ASCII is the same read either way; characters past U+00FF were never raw bytes.
  if (ALL_ASCII.test(value) || BEYOND_LATIN1.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  try {
    return UTF8.decode(bytes);
  } catch {
    let out = '';
    for (const byte of bytes) out += byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    return out;
  }
}

/** One JSON access-log line, ending in '\n'. */
export function formatJsonLine(record: AccessRecord): string {
  const parts = REQUEST_LINE.exec(record.requestLine);
  const entry: Record<string, string | number | null> = {
    time: Number.isFinite(record.time.getTime()) ? record.time.toISOString() : null,
    client: record.remoteAddress === '' ? null : formatHost(record.remoteAddress),
    method: parts !== null ? wireText(parts[1]) : null,
    target: parts !== null ? wireText(parts[2]) : null,
    protocol: parts !== null ? (parts[3] as string) : null,
    status: record.status,
    bytes: record.bytes > 0 ? record.bytes : 0,
    duration_us: record.durationUs,
    // The user name is text porta decoded (Basic credentials are UTF-8), not raw bytes.
    user: record.user === undefined || record.user === '' ? null : record.user,
    referer: wireText(record.referer),
    user_agent: wireText(record.userAgent),
  };
  if (parts === null) entry.request = wireText(record.requestLine);
  return `${JSON.stringify(entry)}\n`;
}
