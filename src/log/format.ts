/**
 * Access-log lines in Apache's Common and Combined Log Formats (docs/serve.md, the access log):
 * `host ident user [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 2326`
 * plus ` "referer" "user-agent"` for combined; `json` lines are made in json-format.ts.
 */
import type { AccessRecord, LogFormat } from './access-record.js';
import { formatHost } from './host.js';
import { formatJsonLine } from './json-format.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `10/Oct/2000:13:55:36 -0700`: local time with its UTC offset, as Apache's %t writes it. */
function formatLogTime(date: Date): string {
  const offsetMinutes = -date.getTimezoneOffset();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = Math.abs(offsetMinutes);
  return (
    `${pad2(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())} ` +
    `${sign}${pad2(Math.floor(offset / 60))}${pad2(offset % 60)}`
  );
}

// Every response in the same second shares one formatted timestamp (the hot path).
let cachedSecond = Number.NaN;
let cachedTime = '';

function logTime(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== cachedSecond) {
    cachedTime = Number.isNaN(second) ? '-' : formatLogTime(date);
    cachedSecond = second;
  }
  return cachedTime;
}

/** Characters Apache's ap_escape_logitem leaves alone: printable ASCII except `"` and `\`. */
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

const NAMED_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

function escapeByte(byte: number): string {
  return NAMED_ESCAPES[byte] ?? `\\x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * Escapes a logged string the way Apache's ap_escape_logitem does, so a client cannot
 * forge log lines or fields: `"` and `\` get a backslash, control and non-ASCII bytes
 * become `\n`, `\t`... or `\xhh`.
 */
export function escapeLogItem(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e && code !== 0x22 && code !== 0x5c) {
      out += text[i];
    } else if (code <= 0xff) {
      out += escapeByte(code);
    } else {
      // Not a wire byte: log the character's UTF-8 bytes (a whole surrogate pair at once).
      const next = text.charCodeAt(i + 1);
      const wide = code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
      for (const byte of Buffer.from(text.slice(i, i + wide), 'utf8')) out += escapeByte(byte);
      i += wide - 1;
    }
  }
  return out;
}

function quoted(value: string | undefined): string {
  return value === undefined ? '"-"' : `"${escapeLogItem(value)}"`;
}

/** One access-log line, ending in '\n'. */
export function formatAccessLine(record: AccessRecord, format: LogFormat): string {
  if (format === 'json') return formatJsonLine(record);
  const user = record.user === undefined || record.user === '' ? '-' : escapeLogItem(record.user);
  const bytes = record.bytes > 0 ? record.bytes : 0;
  let line =
    `${formatHost(record.remoteAddress)} - ${user} [${logTime(record.time)}] ` +
    `"${escapeLogItem(record.requestLine)}" ${record.status} ${bytes}`;
  if (format === 'combined') line += ` ${quoted(record.referer)} ${quoted(record.userAgent)}`;
  return `${line}\n`;
}
