/**
 * Type maps (Apache mod_negotiation's `*.var` files, docs/serve.md, content negotiation): a second way to
 * describe the variants of a resource, requested by the map's own name. Records of
 * `Name: value` lines are separated by blank lines; a record with a `URI:` describes one
 * variant:
 *
 *     URI: page.en.html
 *     Content-Type: text/html; charset=utf-8; qs=0.8
 *     Content-Language: en
 *     Content-Encoding: gzip
 *     Description: The English page
 *
 * A record without a URI (Apache allows one naming the map itself) is skipped, and so is a
 * line that is not `Name: value`. Parsing never throws and is bounded: at most
 * MAX_TYPE_MAP_RECORDS variants are read.
 */
import { parseWeightedList, splitList, trimOws } from '../../http/syntax.js';
import { MAX_VARIANTS } from './directory-variants.js';
import { canonicalCoding } from './quality.js';
import { toThousandths, type Thousandths } from './preferences.js';

/** A type map larger than this is refused (500): it is a configuration file, not content. */
export const MAX_TYPE_MAP_BYTES = 64 * 1024;
export const MAX_TYPE_MAP_RECORDS = MAX_VARIANTS;

export interface TypeMapRecord {
  /** As written, relative to the map's directory. */
  readonly uri: string;
  /** Media type without parameters, lower-cased. */
  readonly type: string | undefined;
  /** Parameters other than charset and qs. */
  readonly typeParams: ReadonlyArray<readonly [string, string]>;
  readonly charset: string | undefined;
  readonly qs: Thousandths;
  readonly languages: readonly string[];
  readonly encoding: string | undefined;
  readonly description: string | undefined;
}

/** `qs` is a decimal 0..1 (Apache accepts more digits than a qvalue); anything else counts as 1. */
function parseSourceQuality(text: string): Thousandths {
  if (!/^\d*\.?\d+$|^\d+\.$/.test(text)) return 1000;
  const value = Number(text);
  return Number.isFinite(value) ? toThousandths(Math.min(value, 1)) : 1000;
}

/** Splits the map into records of [lower-cased name, value] pairs; continuation lines are joined. */
function readRecords(text: string): Array<Array<[string, string]>> {
  const records: Array<Array<[string, string]>> = [];
  let current: Array<[string, string]> = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (trimOws(line) === '') {
      if (current.length > 0) records.push(current);
      current = [];
      if (records.length >= MAX_TYPE_MAP_RECORDS * 4) break;
      continue;
    }
    if (line.startsWith('#')) continue;
    const first = line.charCodeAt(0);
    const last = current[current.length - 1];
    if ((first === 0x20 || first === 0x09) && last !== undefined) {
      last[1] = `${last[1]} ${trimOws(line)}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current.push([trimOws(line.slice(0, colon)).toLowerCase(), trimOws(line.slice(colon + 1))]);
  }
  if (current.length > 0) records.push(current);
  return records;
}

export function parseTypeMap(text: string): TypeMapRecord[] {
  const records: TypeMapRecord[] = [];
  for (const fields of readRecords(text)) {
    const field = (name: string): string | undefined => fields.find(([n]) => n === name)?.[1];
    const uri = field('uri');
    if (uri === undefined || uri === '') continue;
    let type: string | undefined;
    let charset: string | undefined;
    let qs: Thousandths = 1000;
    const typeParams: Array<readonly [string, string]> = [];
    const contentType = field('content-type');
    const parsed = contentType === undefined ? undefined : parseWeightedList(contentType)[0];
    if (parsed !== undefined && /^[^/\s]+\/[^/\s]+$/.test(parsed.value)) {
      type = parsed.value;
      for (const [name, value] of parsed.params) {
        if (name === 'qs') qs = parseSourceQuality(value);
        else if (name === 'charset') charset = value.toLowerCase();
        else typeParams.push([name, value]);
      }
    }
    const languages = splitList(field('content-language') ?? '')
      .map((tag) => trimOws(tag).toLowerCase())
      .filter((tag) => /^[a-z0-9-]+$|^\*$/.test(tag) && tag !== '*');
    const coding = trimOws(field('content-encoding') ?? '').toLowerCase();
    records.push({
      uri,
      type,
      typeParams,
      charset,
      qs,
      languages,
      encoding: coding === '' || coding === 'identity' ? undefined : canonicalCoding(coding),
      description: field('description'),
    });
    if (records.length >= MAX_TYPE_MAP_RECORDS) break;
  }
  return records;
}

/**
 * The segments a record's URI names, relative to the map's directory: a relative path
 * without query, fragment, dot segments or empty segments, percent-decoded. Undefined for
 * anything else (an absolute URI, `../x`, `a//b`): such a record is skipped.
 */
export function typeMapUriSegments(uri: string): string[] | undefined {
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]+$/.test(uri) || uri.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) return undefined;
  const segments: string[] = [];
  for (const raw of uri.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment === '.' || segment === '..' || segment.includes('/') || segment.includes('\0')) return undefined;
    segments.push(segment);
  }
  return segments;
}
