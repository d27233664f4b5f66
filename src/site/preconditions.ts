/**
 * Conditional requests (RFC 9110 section 13): the four precondition fields evaluated in the
 * order of 13.2.2, and the If-Range test of 13.1.5 that decides whether a Range is honoured.
 *
 * Pure: the caller supplies the request fields and the current validators of the selected
 * representation, and maps the outcome to a status (proceed, 304, 412). Deciding whether
 * preconditions apply at all (13.2.1: ignore them when the unconditional response would not be
 * 2xx or 412, e.g. 404 on GET) is the caller's job; so is the optional 13.1.1 exception of
 * answering 2xx instead of 412 when a state change has already succeeded (porta never does).
 */
import { parseHttpDate } from '../http/http-date.js';

export interface Validators {
  /** Strong entity-tag including quotes, e.g. '"5f3-1a2b3c"'. */
  readonly etag: string;
  /** Whole seconds. */
  readonly lastModified: Date;
}

/** Lower-case names; repeated fields already joined with ', '. */
export interface FieldReader {
  get(name: string): string | undefined;
}

export type PreconditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

/** An entity-tag (RFC 9110 8.8.3) split into its weakness and its opaque-tag (quotes kept). */
interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/** A parsed If-Match / If-None-Match value: `*`, a list of tags, or undefined when malformed. */
type EntityTagCondition = '*' | readonly EntityTag[] | undefined;

/**
 * Evaluates the preconditions of a request in the order of RFC 9110 13.2.2.
 * `validators` undefined means the target resource does not currently exist.
 */
export function evaluatePreconditions(
  method: string,
  fields: FieldReader,
  validators: Validators | undefined,
): PreconditionOutcome {
  if (ignoresPreconditions(method)) return 'proceed';
  const current = validators === undefined ? undefined : currentTag(validators);
  const lastModifiedSeconds = validators === undefined ? undefined : wholeSeconds(validators.lastModified);

  // Steps 1 and 2: If-Match, or If-Unmodified-Since only when If-Match is absent.
  const ifMatch = fields.get('if-match');
  if (ifMatch !== undefined) {
    if (!ifMatchPasses(ifMatch, current)) return 'precondition-failed';
  } else {
    const ifUnmodifiedSince = fields.get('if-unmodified-since');
    if (ifUnmodifiedSince !== undefined && !ifUnmodifiedSincePasses(ifUnmodifiedSince, lastModifiedSeconds)) {
      return 'precondition-failed';
    }
  }

  // Steps 3 and 4: If-None-Match, or If-Modified-Since only when If-None-Match is absent.
  const safe = method === 'GET' || method === 'HEAD';
  const ifNoneMatch = fields.get('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (!ifNoneMatchPasses(ifNoneMatch, current)) return safe ? 'not-modified' : 'precondition-failed';
  } else if (safe) {
    const ifModifiedSince = fields.get('if-modified-since');
    if (ifModifiedSince !== undefined && !ifModifiedSincePasses(ifModifiedSince, lastModifiedSeconds)) {
      return 'not-modified';
    }
  }
  return 'proceed';
}

/**
 * RFC 9110 13.1.5: whether a Range may be honoured. True when there is no If-Range; otherwise
 * true only when its entity-tag strongly matches the current one, or its HTTP-date exactly
 * equals Last-Modified. A weak tag never matches (a client must not send one).
 */
export function ifRangeAllows(fields: FieldReader, validators: Validators): boolean {
  const ifRange = fields.get('if-range');
  if (ifRange === undefined) return true;
  const start = skipOws(ifRange, 0);
  if (ifRange.startsWith('"', start) || ifRange.startsWith('W/', start)) {
    const tags = parseEntityTagList(ifRange);
    const only = tags?.length === 1 ? tags[0] : undefined;
    return only !== undefined && strongMatch(only, currentTag(validators));
  }
  const date = parseHttpDate(ifRange);
  return date !== undefined && wholeSeconds(date) === wholeSeconds(validators.lastModified);
}

/**
 * RFC 9110 13.2.1: conditional fields are ignored for methods that neither select nor modify a
 * representation (CONNECT, OPTIONS, TRACE).
 */
function ignoresPreconditions(method: string): boolean {
  return method === 'OPTIONS' || method === 'TRACE' || method === 'CONNECT';
}

/**
 * RFC 9110 13.1.1 If-Match: `*` is true when the resource exists; a list is true when one tag
 * matches the current tag by strong comparison. A malformed list matches nothing.
 */
function ifMatchPasses(value: string, current: EntityTag | undefined): boolean {
  const condition = parseEntityTagCondition(value);
  if (current === undefined || condition === undefined) return false;
  if (condition === '*') return true;
  return condition.some((tag) => strongMatch(tag, current));
}

/**
 * RFC 9110 13.1.2 If-None-Match: `*` is false when the resource exists; a list is false when
 * one tag matches the current tag by weak comparison. A malformed list matches nothing, so the
 * condition is true.
 */
function ifNoneMatchPasses(value: string, current: EntityTag | undefined): boolean {
  const condition = parseEntityTagCondition(value);
  if (current === undefined || condition === undefined) return true;
  if (condition === '*') return false;
  return !condition.some((tag) => weakMatch(tag, current));
}

/**
 * RFC 9110 13.1.4 If-Unmodified-Since: false when the resource was modified after the date.
 * Ignored (true) when the value is not a valid HTTP-date or there is no modification date.
 */
function ifUnmodifiedSincePasses(value: string, lastModifiedSeconds: number | undefined): boolean {
  const date = parseHttpDate(value);
  if (date === undefined || lastModifiedSeconds === undefined) return true;
  return lastModifiedSeconds <= wholeSeconds(date);
}

/**
 * RFC 9110 13.1.3 If-Modified-Since: false (not modified) when Last-Modified is earlier than or
 * equal to the date. Ignored (true) when the value is not a valid HTTP-date (which covers a
 * value with several members) or there is no modification date. A date in the future is
 * still a valid HTTP-date and is compared like any other, as RFC 9110 prescribes.
 */
function ifModifiedSincePasses(value: string, lastModifiedSeconds: number | undefined): boolean {
  const date = parseHttpDate(value);
  if (date === undefined || lastModifiedSeconds === undefined) return true;
  return lastModifiedSeconds > wholeSeconds(date);
}

/** RFC 9110 8.8.3.2 strong comparison: both tags strong and their opaque-tags identical. */
function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** RFC 9110 8.8.3.2 weak comparison: opaque-tags identical, weakness disregarded. */
function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/** The current validator as an EntityTag; tolerates a weak tag though porta generates strong ones. */
function currentTag(validators: Validators): EntityTag {
  const { etag } = validators;
  return etag.startsWith('W/') ? { weak: true, opaque: etag.slice(2) } : { weak: false, opaque: etag };
}

/** If-Match / If-None-Match = "*" / #entity-tag (RFC 9110 13.1.1, 13.1.2). */
function parseEntityTagCondition(value: string): EntityTagCondition {
  const star = skipOws(value, 0);
  if (value.charCodeAt(star) === 0x2a /* * */ && skipOws(value, star + 1) === value.length) return '*';
  return parseEntityTagList(value);
}

/**
 * Parses #entity-tag (RFC 9110 5.6.1 list syntax, 8.8.3 entity-tag). Tags are scanned as quoted
 * strings, not split on commas: etagc (%x21 / %x23-7E / obs-text) admits a comma. Empty list
 * elements are tolerated. Returns undefined when any element is malformed (including a `*`
 * that does not stand alone).
 */
function parseEntityTagList(value: string): readonly EntityTag[] | undefined {
  const tags: EntityTag[] = [];
  let i = skipOws(value, 0);
  let expectElement = true;
  while (i < value.length) {
    if (value.charCodeAt(i) === 0x2c /* , */) {
      expectElement = true;
      i = skipOws(value, i + 1);
      continue;
    }
    if (!expectElement) return undefined; // two elements without a comma between them
    let weak = false;
    if (value.startsWith('W/', i)) {
      weak = true;
      i += 2;
    }
    if (value.charCodeAt(i) !== 0x22 /* " */) return undefined;
    const close = closingQuote(value, i + 1);
    if (close < 0) return undefined;
    tags.push({ weak, opaque: value.slice(i, close + 1) });
    expectElement = false;
    i = skipOws(value, close + 1);
  }
  return tags;
}

/** Index of the DQUOTE ending an opaque-tag whose etagc run starts at `from`, or -1 if an invalid character comes first. */
function closingQuote(value: string, from: number): number {
  for (let i = from; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) return i;
    if (!isEtagc(c)) return -1;
  }
  return -1;
}

/** etagc = %x21 / %x23-7E / obs-text (RFC 9110 8.8.3). */
function isEtagc(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

function skipOws(value: string, from: number): number {
  let i = from;
  while (i < value.length && (value.charCodeAt(i) === 0x20 || value.charCodeAt(i) === 0x09)) i++;
  return i;
}

/** Timestamps compare in whole seconds: HTTP-date has no finer resolution. */
function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
