/**
 * Choosing among variants (docs/serve.md, content negotiation), deterministic and explainable:
 *
 * 1. Every variant gets its quality (quality.ts).
 * 2. The request asked for the list (`Negotiate: trans`, `vlist`, `1.0`): `list` (300).
 * 3. The best quality is 0: `none` (406).
 * 4. One variant has the best quality: `choice` (200).
 * 5. Several tie. If they are all one document stored with different content codings
 *    (`page.html` and `page.html.gz`), that is no real choice for a person to make: the one
 *    whose coding Accept-Encoding names by name wins over one accepted only implicitly (by
 *    `*`, or identity by default); then the unencoded one; then the smaller file; then the
 *    first by URI. Otherwise the tie is a `list` (300): porta never picks arbitrarily
 *    between documents that differ in type, language or charset.
 */
import type { Preferences } from './preferences.js';
import { namesCoding, variantQuality, type Quality } from './quality.js';
import { documentKey, type Variant } from './variant.js';

export type Selection =
  | { readonly kind: 'choice'; readonly variant: Variant; readonly qualities: readonly Quality[] }
  | { readonly kind: 'list'; readonly qualities: readonly Quality[] }
  | { readonly kind: 'none'; readonly qualities: readonly Quality[] };

export function selectVariant(variants: readonly Variant[], preferences: Preferences): Selection {
  const qualities = variants.map((variant) => variantQuality(variant, preferences));
  if (preferences.wantsList) return { kind: 'list', qualities };
  let best = 0;
  for (const quality of qualities) if (quality > best) best = quality;
  if (best === 0) return { kind: 'none', qualities };
  const top = variants.filter((_, i) => qualities[i] === best);
  if (top.length === 1) return { kind: 'choice', variant: top[0] as Variant, qualities };
  const document = documentKey(top[0] as Variant);
  if (!top.every((variant) => documentKey(variant) === document)) return { kind: 'list', qualities };
  return { kind: 'choice', variant: pickCoding(top, preferences), qualities };
}

/** Among codings of one document, in the order the module comment gives. */
function pickCoding(candidates: readonly Variant[], preferences: Preferences): Variant {
  const rank = (variant: Variant): readonly number[] => [
    namesCoding(variant, preferences.encodings) ? 0 : 1,
    variant.encoding === undefined ? 0 : 1,
    variant.size ?? Number.MAX_SAFE_INTEGER,
  ];
  let best = candidates[0] as Variant;
  let bestRank = rank(best);
  for (let i = 1; i < candidates.length; i++) {
    const candidate = candidates[i] as Variant;
    const candidateRank = rank(candidate);
    if (compareRanks(candidateRank, bestRank) < 0 || (compareRanks(candidateRank, bestRank) === 0 && candidate.uri < best.uri)) {
      best = candidate;
      bestRank = candidateRank;
    }
  }
  return best;
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

/** The request fields a choice among these variants depends on (RFC 9110 section 12.5.5). */
export function varyDimensions(variants: readonly Variant[]): string {
  const dimensions = ['negotiate'];
  const differs = (attribute: (variant: Variant) => string): boolean => {
    const first = variants[0];
    return first !== undefined && variants.some((variant) => attribute(variant) !== attribute(first));
  };
  if (differs((v) => `${v.type ?? ''}${v.typeParams.map(([n, x]) => `;${n}=${x}`).join('')}`)) dimensions.push('accept');
  if (differs((v) => v.languages.join(','))) dimensions.push('accept-language');
  if (differs((v) => v.charset ?? '')) dimensions.push('accept-charset');
  if (differs((v) => v.encoding ?? '')) dimensions.push('accept-encoding');
  return dimensions.join(', ');
}
