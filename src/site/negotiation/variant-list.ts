/**
 * A negotiable resource's variant list, computed once per directory (or type map) version:
 * the variants, the Vary value, the Alternates value (RFC 2295 section 8.3) and the variant
 * list validator that structured ETags carry (section 9.2). Answers for each distinct set
 * of request preferences are cached on it (outcome.ts), so a repeated negotiated request
 * costs a map lookup.
 */
import { createHash } from 'node:crypto';
import { formatQuality, QUALITY_ONE } from './quality.js';
import { varyDimensions } from './select.js';
import type { Variant } from './variant.js';

export interface VariantList {
  readonly variants: readonly Variant[];
  /** Vary: `negotiate` and the Accept* fields on which the variants differ. */
  readonly vary: string;
  readonly alternates: string;
  /** Changes whenever the list does (RFC 2295 section 9.2); no quotes. */
  readonly validator: string;
}

/** `{"page.html.en" 1 {type text/html} {language en}}` (RFC 2295 section 8.3; encoding as Apache's extension attribute). */
function describeVariant(variant: Variant): string {
  const parts = [`"${variant.uri}"`, formatQuality(variant.qs * QUALITY_ONE / 1000)];
  if (variant.type !== undefined) {
    const params = variant.typeParams.map(([name, value]) => `;${name}=${value}`).join('');
    parts.push(`{type ${variant.type}${params}}`);
  }
  if (variant.charset !== undefined) parts.push(`{charset ${variant.charset}}`);
  if (variant.languages.length > 0) parts.push(`{language ${variant.languages.join(',')}}`);
  if (variant.encoding !== undefined) parts.push(`{encoding ${variant.encoding}}`);
  if (variant.size !== undefined) parts.push(`{length ${variant.size}}`);
  return `{${parts.join(' ')}}`;
}

export function buildVariantList(variants: readonly Variant[]): VariantList {
  const alternates = variants.map(describeVariant).join(', ');
  return {
    variants,
    vary: varyDimensions(variants),
    alternates,
    validator: createHash('sha1').update(alternates).digest('base64url').slice(0, 10),
  };
}

/** RFC 2295 section 9.2: the variant's own tag and the list validator, `"tag;validator"`. */
export function structuredEtag(variantEtag: string, list: VariantList): string {
  const weak = variantEtag.startsWith('W/');
  const opaque = weak ? variantEtag.slice(2) : variantEtag;
  return `${weak ? 'W/' : ''}"${opaque.slice(1, -1)};${list.validator}"`;
}
