/**
 * What a request says it prefers (RFC 9110 section 12.5): its Accept, Accept-Language,
 * Accept-Charset and Accept-Encoding lists, and whether it asked for the list of variants
 * (RFC 2295 section 8.4, `Negotiate: trans`, `vlist` or `1.0`). Parsed leniently with the
 * shared weighted-list parser: a malformed element or parameter is skipped, a malformed
 * q-value counts as 1, and nothing a client sends makes this throw.
 *
 * Weights are kept as whole thousandths (0..1000): a qvalue has at most three decimals
 * (RFC 9110 section 12.4.2), so products of them are exact integers and ties are real ties.
 */
import { parseWeightedList, splitList, trimOws, type WeightedItem } from '../../http/syntax.js';

/** A weight in thousandths: 1000 is q=1, 0 is "not acceptable". */
export type Thousandths = number;

export const FULL: Thousandths = 1000;

export interface MediaRange {
  /** Lower-cased; '*' for a wildcard. */
  readonly type: string;
  readonly subtype: string;
  /** Parameters other than q (accept-ext after q is dropped), names lower-cased. */
  readonly params: ReadonlyArray<readonly [string, string]>;
  readonly q: Thousandths;
}

export interface Weighted {
  /** Lower-cased value: a language range, charset or coding; '*' for any. */
  readonly value: string;
  readonly q: Thousandths;
}

export interface Preferences {
  /** Undefined when the request has no (usable) Accept: every type is acceptable. */
  readonly types: readonly MediaRange[] | undefined;
  readonly languages: readonly Weighted[] | undefined;
  readonly charsets: readonly Weighted[] | undefined;
  /** Undefined when Accept-Encoding is absent; an empty list when it is present and empty. */
  readonly encodings: readonly Weighted[] | undefined;
  /** The request asked for the variant list rather than a choice (RFC 2295 section 8.4). */
  readonly wantsList: boolean;
}

/** The request fields negotiation reads. */
export interface PreferenceFields {
  get(name: string): string | undefined;
}

export function toThousandths(q: number): Thousandths {
  if (!(q >= 0)) return 0;
  return q >= 1 ? FULL : Math.round(q * FULL);
}

function parseMediaRange(item: WeightedItem): MediaRange | undefined {
  // Some old clients send a bare `*` for `*/*`.
  const value = item.value === '*' ? '*/*' : item.value;
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) return undefined;
  const type = value.slice(0, slash);
  const subtype = value.slice(slash + 1);
  // `*/html` is not a media range (RFC 9110 section 12.5.1).
  if (type === '*' && subtype !== '*') return undefined;
  return { type, subtype, params: item.params, q: toThousandths(item.q) };
}

function weighted(items: readonly WeightedItem[]): Weighted[] {
  return items.map((item) => ({ value: item.value, q: toThousandths(item.q) }));
}

/** Accept, Accept-Language, Accept-Charset: absent or without a usable element means "anything". */
function listOrAnything<T>(items: T[]): T[] | undefined {
  return items.length === 0 ? undefined : items;
}

/** RFC 2295 section 8.4: `trans`, `vlist` and an RVSA version ask for the list (`guess-small`, `*` do not). */
function asksForList(negotiate: string | undefined): boolean {
  if (negotiate === undefined) return false;
  for (const raw of splitList(negotiate)) {
    const directive = trimOws(raw).toLowerCase();
    if (directive === 'trans' || directive === 'vlist' || directive === '1.0') return true;
  }
  return false;
}

export function readPreferences(fields: PreferenceFields): Preferences {
  const accept = fields.get('accept');
  const types: MediaRange[] = [];
  for (const item of parseWeightedList(accept)) {
    const range = parseMediaRange(item);
    if (range !== undefined) types.push(range);
  }
  const acceptEncoding = fields.get('accept-encoding');
  return {
    types: listOrAnything(types),
    languages: listOrAnything(weighted(parseWeightedList(fields.get('accept-language')))),
    charsets: listOrAnything(weighted(parseWeightedList(fields.get('accept-charset')))),
    // RFC 9110 section 12.5.3: an empty Accept-Encoding means "identity only", unlike absence.
    encodings: acceptEncoding === undefined ? undefined : weighted(parseWeightedList(acceptEncoding)),
    wantsList: asksForList(fields.get('negotiate')),
  };
}
