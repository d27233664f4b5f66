/**
 * A variant of a negotiable resource (RFC 2295 section 4): a file that is one
 * representation of it, with the attributes negotiation judges it by. Variants come from
 * `name.*` files in a directory (their extensions say what they are, docs/serve.md, URLs, files and media types) or
 * from the records of a type map.
 */
import type { HeaderList } from '../../http/response.js';
import type { Thousandths } from './preferences.js';

export interface Variant {
  /** The URI relative to the negotiable resource, as sent in Alternates and Content-Location. */
  readonly uri: string;
  /** What a person reads in the 300/406 list: the file name (or the type map's URI, decoded). */
  readonly label: string;
  /** FileCache key and segments of the variant's file. */
  readonly key: string;
  readonly segments: readonly string[];
  /** The media type without parameters, lower-cased; undefined when unknown. */
  readonly type: string | undefined;
  /** Media-type parameters other than charset and qs (a type map's `level=2`), names lower-cased. */
  readonly typeParams: ReadonlyArray<readonly [string, string]>;
  /** Language tags, lower-cased; empty when the variant has no language. */
  readonly languages: readonly string[];
  /** The charset it names, lower-cased; undefined when it names none (not penalised). */
  readonly charset: string | undefined;
  /** The content coding, lower-cased; undefined for identity. */
  readonly encoding: string | undefined;
  /** Source quality (RFC 2295 section 5.3): 1000 for files, a type map's `qs=`. */
  readonly qs: Thousandths;
  /** Size in bytes, when known (a tie between codings of one document goes to the smaller). */
  readonly size: number | undefined;
  /** For a type-map variant: Content-Type/Language/Encoding as the map declares them. */
  readonly declaredFields: HeaderList | undefined;
  /** The Content-Type the map declares, when it declares one. */
  readonly declaredContentType: string | undefined;
  /** A type map's Description, shown in the list. */
  readonly description: string | undefined;
}

/** Two variants are one document when only their content coding differs. */
export function documentKey(variant: Variant): string {
  const params = variant.typeParams.map(([name, value]) => `;${name}=${value}`).join('');
  return `${variant.type ?? ''}${params}\n${variant.languages.join(',')}\n${variant.charset ?? ''}`;
}
