/**
 * Range requests (RFC 9110 section 14): turns a Range field and the representation's size
 * into "send it all", "416" or a list of byte ranges to send with 206.
 *
 * Never amplify. Ranges are sorted and overlapping or adjacent ones coalesced, so porta
 * returns them in ascending order (14.3 permits coalescing and reordering: a client that
 * asked for ranges out of order may still get them in order). More than MAX_RANGES ranges
 * after coalescing are answered with the whole representation, as Apache's MaxRanges does;
 * 14.2 lets a server ignore Range, and 200 is never larger than the multipart body would be.
 */
import { trimOws } from '../http/syntax.js';

/** An inclusive byte range: first and last byte offsets. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type RangeOutcome =
  /** No Range, a unit other than bytes, a syntactically invalid or refused ranges-specifier: 200. */
  | { readonly kind: 'full' }
  /** 416, with the Content-Range of unsatisfiedRangeValue. */
  | { readonly kind: 'unsatisfiable' }
  /** 206: disjoint, non-adjacent, ascending ranges within [0, size - 1]. */
  | { readonly kind: 'partial'; readonly ranges: readonly ByteRange[] };

/** Most ranges porta will serve in one multipart response (cf. Apache's MaxRanges). */
export const MAX_RANGES = 50;

/** Longest first-pos / last-pos / suffix-length accepted: 15 digits stay exact as a double. */
const MAX_DIGITS = 15;

const FULL: RangeOutcome = { kind: 'full' };
const UNSATISFIABLE: RangeOutcome = { kind: 'unsatisfiable' };

/** A parsed range-spec before it meets the size: int-range or suffix-range (RFC 9110 14.1.1). */
type RangeSpec =
  | { readonly kind: 'int'; readonly first: number; readonly last: number | undefined }
  | { readonly kind: 'suffix'; readonly length: number };

/**
 * Evaluates a Range field against a representation of `size` bytes (RFC 9110 14.2).
 * The caller handles method (GET, and HEAD mirroring it) and If-Range.
 */
export function evaluateRange(rangeField: string | undefined, size: number): RangeOutcome {
  if (rangeField === undefined) return FULL;
  const specs = parseBytesRangesSpecifier(trimOws(rangeField));
  if (specs === undefined) return FULL;
  const satisfiable: ByteRange[] = [];
  for (const spec of specs) {
    const range = resolveRangeSpec(spec, size);
    if (range !== undefined) satisfiable.push(range);
  }
  if (satisfiable.length === 0) return UNSATISFIABLE;
  const ranges = coalesceRanges(satisfiable);
  if (ranges.length > MAX_RANGES || totalLength(ranges) > size) return FULL;
  return { kind: 'partial', ranges };
}

/** Content-Range for one part of a 206 (RFC 9110 14.4): 'bytes 0-99/1000'. */
export function contentRangeValue(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** Content-Range for a 416 (RFC 9110 14.4, unsatisfied-range = "*" "/" complete-length). */
export function unsatisfiedRangeValue(size: number): string {
  return `bytes */${size}`;
}

/**
 * ranges-specifier = range-unit "=" range-set, with the unit "bytes" (RFC 9110 14.1, unit names
 * are case-insensitive). Returns undefined for another unit or any syntax error, which 14.2
 * says to treat as if there were no Range field.
 */
function parseBytesRangesSpecifier(field: string): RangeSpec[] | undefined {
  const equals = field.indexOf('=');
  if (equals !== 5 || field.slice(0, 5).toLowerCase() !== 'bytes') return undefined;
  return parseRangeSet(field, 6);
}

/**
 * range-set = 1#range-spec (RFC 9110 14.1.1, list syntax 5.6.1): elements separated by commas
 * with optional whitespace; empty elements are tolerated but at least one range-spec is needed.
 */
function parseRangeSet(field: string, from: number): RangeSpec[] | undefined {
  const specs: RangeSpec[] = [];
  for (const element of field.slice(from).split(',')) {
    const text = trimOws(element);
    if (text === '') continue;
    const spec = parseRangeSpec(text);
    if (spec === undefined) return undefined;
    specs.push(spec);
  }
  return specs.length === 0 ? undefined : specs;
}

/**
 * int-range = first-pos "-" [ last-pos ]; suffix-range = "-" suffix-length (RFC 9110 14.1.1).
 * An int-range whose last-pos is less than its first-pos is invalid. other-range is not
 * defined for bytes, so it is a syntax error here.
 */
function parseRangeSpec(text: string): RangeSpec | undefined {
  const dash = text.indexOf('-');
  if (dash < 0) return undefined;
  if (dash === 0) {
    const length = parseDigits(text, 1, text.length);
    return length === undefined ? undefined : { kind: 'suffix', length };
  }
  const first = parseDigits(text, 0, dash);
  if (first === undefined) return undefined;
  if (dash === text.length - 1) return { kind: 'int', first, last: undefined };
  const last = parseDigits(text, dash + 1, text.length);
  if (last === undefined || last < first) return undefined;
  return { kind: 'int', first, last };
}

/**
 * The byte range a range-spec selects, or undefined when it is unsatisfiable (RFC 9110 14.1.1,
 * 14.1.2): an int-range needs first-pos < size and has its last-pos clamped to size - 1; a
 * suffix-range needs a non-zero length and takes at most the whole representation. An empty
 * representation satisfies no range.
 */
function resolveRangeSpec(spec: RangeSpec, size: number): ByteRange | undefined {
  if (size <= 0) return undefined;
  if (spec.kind === 'suffix') {
    if (spec.length === 0) return undefined;
    return { start: Math.max(0, size - spec.length), end: size - 1 };
  }
  if (spec.first >= size) return undefined;
  return { start: spec.first, end: spec.last === undefined ? size - 1 : Math.min(spec.last, size - 1) };
}

/** Sorts by start and merges ranges that overlap or touch (RFC 9110 14.3 allows coalescing). */
function coalesceRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const [first, ...rest] = [...ranges].sort((a, b) => a.start - b.start);
  if (first === undefined) return [];
  const merged: ByteRange[] = [];
  let current = first;
  for (const next of rest) {
    if (next.start <= current.end + 1) {
      current = { start: current.start, end: Math.max(current.end, next.end) };
    } else {
      merged.push(current);
      current = next;
    }
  }
  merged.push(current);
  return merged;
}

function totalLength(ranges: readonly ByteRange[]): number {
  let total = 0;
  for (const range of ranges) total += range.end - range.start + 1;
  return total;
}

/** 1*DIGIT between `from` and `to`, at most MAX_DIGITS long; undefined otherwise. */
function parseDigits(text: string, from: number, to: number): number | undefined {
  if (to <= from || to - from > MAX_DIGITS) return undefined;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

