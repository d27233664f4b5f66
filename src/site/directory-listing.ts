/**
 * The generated index of a directory that has no index file (docs/serve.md, URLs, files and media types), in the
 * spirit of nginx autoindex: one link per entry, directories first, size and time in UTC.
 */
import { escapeHtml } from '../http/syntax.js';

export interface ListingEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly modified: Date;
}

/**
 * Percent-encodes every byte of the UTF-8 name except RFC 3986 section 2.3 unreserved
 * characters, so any name is a safe relative reference (`a:b` cannot become a scheme).
 * Works on bytes rather than encodeURIComponent, which throws on lone surrogates.
 */
function encodePathSegment(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const unreserved =
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      (byte >= 0x41 && byte <= 0x5a) || // A-Z
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e; // - . _ ~
    out += unreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const SIZE_UNITS = ['K', 'M', 'G', 'T', 'P', 'E'];

/** A size in a unit as shown: one decimal below 10, whole numbers from 10. */
function roundForDisplay(value: number): number {
  return value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
}

/** `512`, `2.0K`, `15K`, `1.3M`, like nginx autoindex's human sizes. */
function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-';
  if (bytes < 1024) return String(Math.round(bytes));
  let value = bytes / 1024;
  let unit = 0;
  // Compare the rounded value so 1023.9K is shown as 1.0M, never 1024K.
  while (roundForDisplay(value) >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = roundForDisplay(value);
  return `${shown >= 10 ? String(shown) : shown.toFixed(1)}${SIZE_UNITS[unit]}`;
}

/** `YYYY-MM-DD HH:MM` in UTC, so the page is the same whatever the server's zone. */
function formatModified(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return '-';
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

/** Directories first, then by name in code-unit order (stable, locale-independent). */
function compareEntries(a: ListingEntry, b: ListingEntry): number {
  if (a.isDirectory !== b.isDirectory) return a.isDirectory ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** One table row (a line of the page, without its line break). */
export function renderRow(entry: ListingEntry): string {
  const slash = entry.isDirectory ? '/' : '';
  const href = encodePathSegment(entry.name) + slash;
  const size = entry.isDirectory ? '-' : formatSize(entry.size);
  return (
    `<tr><td><a href="${href}">${escapeHtml(entry.name)}${slash}</a></td>` +
    `<td class="size">${size}</td><td>${formatModified(entry.modified)}</td></tr>`
  );
}

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:2em}' +
  'table{border-collapse:collapse}td,th{padding:.15em 1.5em .15em 0;text-align:left}' +
  '.size{text-align:right}';

/**
 * The page up to and including the line break before the first row, then the parent link
 * (except at the root); rows follow, each ending in a line break, then listingEnd().
 */
export function listingStart(urlPath: string): string {
  const title = `Index of ${escapeHtml(urlPath)}`;
  const parent = urlPath !== '/' ? '<tr><td><a href="../">../</a></td><td class="size">-</td><td></td></tr>\n' : '';
  return (
    '<!DOCTYPE html>\n' +
    '<html lang="en">\n' +
    `<head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head>\n` +
    `<body>\n<h1>${title}</h1>\n` +
    '<table>\n<thead><tr><th>Name</th><th class="size">Size</th><th>Modified (UTC)</th></tr></thead>\n' +
    `<tbody>\n${parent}`
  );
}

/**
 * The end of the page. `empty`: no row at all was written (the root of an empty site keeps
 * its blank line in the table body); `omitted`: the folder holds more entries than were listed.
 */
export function listingEnd(empty: boolean, omitted = false): string {
  const note = omitted ? '<p>This folder holds more entries than are listed here.</p>\n' : '';
  return `${empty ? '\n' : ''}</tbody>\n</table>\n${note}</body>\n</html>\n`;
}

/** urlPath is the decoded URL path of the directory, ending in '/'. Returns a complete HTML5 document. */
export function renderDirectoryListing(urlPath: string, entries: readonly ListingEntry[], omitted = false): string {
  const rows = [...entries].sort(compareEntries).map((entry) => `${renderRow(entry)}\n`);
  return listingStart(urlPath) + rows.join('') + listingEnd(rows.length === 0 && urlPath === '/', omitted);
}
