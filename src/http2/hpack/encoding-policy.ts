/**
 * Which fields the encoder adds to the dynamic table (RFC 7541 section 6.2 offers three
 * literal forms; section 7.1 explains why some fields must stay out of the table).
 */

/**
 * Never indexed (section 6.2.3, and section 7.1.3 on protecting secrets): credentials and
 * cookies. Indexing them would let an attacker who can inject headers on the same connection
 * probe the table for their values (the CRIME family of attacks), and the never-indexed form
 * also tells intermediaries not to index them on the next hop. www-authenticate and
 * proxy-authenticate are public challenges, so they are indexed like other response fields.
 */
const NEVER_INDEXED = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/**
 * Literal without indexing (section 6.2.2): values that are nearly always different from one
 * message to the next. Adding them would only evict entries that do repeat (server,
 * content-type, cache-control, vary, date within the same second, ...).
 */
const NOT_INDEXED = new Set([
  ':path',
  'age',
  'content-length',
  'content-range',
  'etag',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'last-modified',
  'range',
]);

export const enum Indexing {
  Incremental,
  None,
  Never,
}

/**
 * How to represent a field that is not already in a table. Fields larger than half the table
 * are not indexed either: one would evict most of what repeats.
 */
export function indexingFor(name: string, entrySize: number, tableCapacity: number): Indexing {
  if (NEVER_INDEXED.has(name)) return Indexing.Never;
  if (NOT_INDEXED.has(name) || entrySize * 2 > tableCapacity) return Indexing.None;
  return Indexing.Incremental;
}

/** Whether the field must never be represented by a table index (exact matches included). */
export function isSensitive(name: string): boolean {
  return NEVER_INDEXED.has(name);
}
