/**
 * The quality of a variant for a request (docs/serve.md, content negotiation; RFC 2296 section 3.2, without
 * its feature and "degrade" factors): the product of the weights the request gives the
 * variant's type (Accept), language (Accept-Language), charset (Accept-Charset) and coding
 * (Accept-Encoding), times the variant's source quality qs.
 *
 * - An absent header accepts everything at 1; a value a present header does not list is 0.
 * - A variant with no language (or no charset) is not judged on that axis: factor 1.
 * - Accept: the most specific matching range decides (RFC 9110 section 12.5.1): ranges with
 *   parameters over `type/subtype` over `type/*` over `*\/*`.
 * - Accept-Language: basic filtering (RFC 4647 section 3.3.1): range `en` matches `en` and
 *   `en-us`; the longest matching range decides; `*` matches any tag.
 * - Accept-Encoding (RFC 9110 section 12.5.3): identity is acceptable unless `identity;q=0`
 *   or `*;q=0` (without an identity element) says otherwise.
 *
 * Every factor is in thousandths, so the product (up to 1000^5 = 10^15) is an exact integer.
 */
import type { MediaRange, Preferences, Thousandths, Weighted } from './preferences.js';
import { FULL } from './preferences.js';
import type { Variant } from './variant.js';

/** A product of five thousandths: 10^15 is quality 1. */
export type Quality = number;

export const QUALITY_ONE: Quality = FULL ** 5;

/** The weight Accept gives a variant's type. */
export function typeFactor(variant: Variant, ranges: readonly MediaRange[] | undefined): Thousandths {
  if (ranges === undefined) return FULL;
  const type = variant.type ?? 'application/octet-stream';
  const slash = type.indexOf('/');
  const major = type.slice(0, slash);
  const minor = type.slice(slash + 1);
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    let specificity: number;
    if (range.type === '*') specificity = 0;
    else if (range.type !== major) continue;
    else if (range.subtype === '*') specificity = 1;
    else if (range.subtype !== minor) continue;
    else if (range.params.length === 0) specificity = 2;
    else if (paramsMatch(range.params, variant)) specificity = 2 + range.params.length;
    else continue;
    if (specificity > best) {
      best = specificity;
      q = range.q;
    }
  }
  return q;
}

/** Every parameter of the range is a parameter of the variant's type (charset compared case-insensitively). */
function paramsMatch(params: ReadonlyArray<readonly [string, string]>, variant: Variant): boolean {
  for (const [name, value] of params) {
    if (name === 'charset') {
      if (variant.charset === undefined || variant.charset !== value.toLowerCase()) return false;
      continue;
    }
    if (!variant.typeParams.some(([n, v]) => n === name && v === value)) return false;
  }
  return true;
}

/** The weight Accept-Language gives a variant's best language. */
export function languageFactor(variant: Variant, ranges: readonly Weighted[] | undefined): Thousandths {
  if (ranges === undefined || variant.languages.length === 0) return FULL;
  let q = 0;
  for (const tag of variant.languages) q = Math.max(q, languageWeight(tag, ranges));
  return q;
}

function languageWeight(tag: string, ranges: readonly Weighted[]): Thousandths {
  let bestLength = -1;
  let q = 0;
  for (const range of ranges) {
    const value = range.value;
    let length: number;
    if (value === '*') length = 0;
    else if (value === tag || (tag.startsWith(value) && tag.charCodeAt(value.length) === 0x2d /* - */)) length = value.length;
    else continue;
    if (length > bestLength) {
      bestLength = length;
      q = range.q;
    }
  }
  return q;
}

/** The weight Accept-Charset gives a variant's charset. */
export function charsetFactor(variant: Variant, charsets: readonly Weighted[] | undefined): Thousandths {
  if (charsets === undefined || variant.charset === undefined) return FULL;
  return exactOrAny(variant.charset, charsets) ?? 0;
}

/** The weight of `value` in a list: its own element, else `*`, else undefined. */
function exactOrAny(value: string, list: readonly Weighted[]): Thousandths | undefined {
  let any: Thousandths | undefined;
  for (const item of list) {
    if (item.value === value) return item.q;
    if (item.value === '*') any = item.q;
  }
  return any;
}

/** Old names of the codings (RFC 9110 section 8.4.1.1, 8.4.1.3). */
export function canonicalCoding(coding: string): string {
  if (coding === 'x-gzip') return 'gzip';
  if (coding === 'x-compress') return 'compress';
  return coding;
}

/** The weight Accept-Encoding gives a variant's coding (identity when it has none). */
export function encodingFactor(variant: Variant, encodings: readonly Weighted[] | undefined): Thousandths {
  if (encodings === undefined) return FULL;
  const coding = variant.encoding ?? 'identity';
  let any: Thousandths | undefined;
  for (const item of encodings) {
    if (canonicalCoding(item.value) === coding) return item.q;
    if (item.value === '*') any = item.q;
  }
  if (any !== undefined) return any;
  // Identity is always acceptable unless excluded by name or by `*;q=0`.
  return coding === 'identity' ? FULL : 0;
}

/** Whether Accept-Encoding names the variant's coding itself (not only through `*` or by default). */
export function namesCoding(variant: Variant, encodings: readonly Weighted[] | undefined): boolean {
  if (encodings === undefined) return false;
  const coding = variant.encoding ?? 'identity';
  return encodings.some((item) => canonicalCoding(item.value) === coding && item.q > 0);
}

/** The overall quality: the product of the four factors and qs (exact integer, 0..QUALITY_ONE). */
export function variantQuality(variant: Variant, preferences: Preferences): Quality {
  return (
    typeFactor(variant, preferences.types) *
    languageFactor(variant, preferences.languages) *
    charsetFactor(variant, preferences.charsets) *
    encodingFactor(variant, preferences.encodings) *
    variant.qs
  );
}

/** A quality as a decimal for people: 0.9, 0.72, 1. */
export function formatQuality(quality: Quality): string {
  return String(Math.round((quality / QUALITY_ONE) * 100_000) / 100_000);
}
