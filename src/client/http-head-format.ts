/** How `porta get` shows a response head (-i, -I) and the request it sent (-v). */
import type { HttpField, ResponseHead } from './http-message.js';

/** The status line and fields as they came over the wire, CRLF line ends, empty line last. */
export function formatResponseHead(head: ResponseHead): string {
  const statusLine = `HTTP/${head.version} ${head.status}${head.reason === '' ? '' : ` ${head.reason}`}`;
  return `${[statusLine, ...head.fields.map(formatField)].join('\r\n')}\r\n\r\n`;
}

/** Trailer fields (-i), shown after the body like the head before it. */
export function formatTrailers(fields: readonly HttpField[]): string {
  return `${fields.map(formatField).join('\r\n')}\r\n`;
}

/**
 * Wire text as diagnostic lines, curl style: every line prefixed (`> ` for what we sent,
 * `< ` for what we received), LF line ends, the closing empty line kept.
 */
export function prefixLines(text: string, prefix: string): string {
  const lines = text.replace(/\r\n$/, '').split('\r\n');
  return lines.map((line) => `${prefix}${line}\n`).join('');
}

function formatField(field: HttpField): string {
  return `${field.name}: ${field.value}`;
}
