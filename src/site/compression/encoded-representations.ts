/**
 * The coded forms of one stored representation: itself with `Vary: Accept-Encoding` (what
 * an identity answer carries once the response varies), and per content coding a
 * representation with its own ETag (`"tag-gzip"`, so a cache or a conditional request never
 * confuses the coded bytes with the plain ones, RFC 9110 section 8.8.3.3). The compressed
 * bytes themselves live in compression-budget.ts, under its byte budget and concurrency
 * limit: when they cannot be had, the file is sent uncompressed.
 */
import type { HeaderList } from '../../http/response.js';
import type { CachedFile } from '../file-cache.js';
import { buildRepresentation, type Representation } from '../representation.js';
import type { ContentCoding } from './accept-encoding.js';
import { encodedKey, type CompressionBudget, type EncodedBytes } from './compression-budget.js';

/** Smaller bodies gain too little for the bytes `Content-Encoding` and `Vary` add. */
export const MIN_COMPRESS_BYTES = 1024;

export const VARY_ACCEPT_ENCODING: readonly [string, string] = ['Vary', 'Accept-Encoding'];

export class CodedForms {
  /** The representation itself, saying that it varies with Accept-Encoding. */
  readonly identity: Representation;
  readonly #coded = new Map<ContentCoding, Representation>();
  readonly #siblings = new Map<ContentCoding, { readonly file: CachedFile; readonly representation: Representation }>();
  /** The cache keys of the file these forms last compressed (a key is built once per file version). */
  #keysOf: CachedFile | undefined;
  #keys: Partial<Record<ContentCoding, string>> = {};
  /** The request path these forms were last reached by, and its siblings' paths (`/app.js.br`). */
  siblingKeys: { readonly path: string; readonly br: string; readonly gzip: string } | undefined = undefined;

  constructor(readonly base: Representation) {
    this.identity = withSelection(base, base.metadataFields, base.validators.etag, base.validatorFields);
  }

  /**
   * The compressed copy of `file` (whose bytes are `body`) in `coding`: ready, on its way, null
   * when not worth it, undefined when it cannot be made now (within `budget`). `clientGone`
   * lets a request that waits for a free compression give up its place when its client leaves.
   */
  encoded(coding: ContentCoding, file: CachedFile, body: Buffer, budget: CompressionBudget, clientGone?: () => AbortSignal): EncodedBytes | Promise<EncodedBytes | undefined> | undefined {
    if (this.#keysOf !== file) {
      this.#keysOf = file;
      this.#keys = {};
    }
    const key = (this.#keys[coding] ??= encodedKey(file.fsPath, file.stats, coding));
    return budget.encoded(key, coding, body, clientGone);
  }

  /** The representation of a copy of these bytes made in `coding`. */
  coded(coding: ContentCoding): Representation {
    let representation = this.#coded.get(coding);
    if (representation === undefined) {
      const metadata: HeaderList = [...this.base.metadataFields, ['Content-Encoding', coding]];
      const etag = codedEtag(this.base.validators.etag, coding);
      const fields = this.base.validatorFields.map(([name, value]): readonly [string, string] => (name === 'ETag' ? [name, etag] : [name, value]));
      representation = withSelection(this.base, metadata, etag, fields);
      this.#coded.set(coding, representation);
    }
    return representation;
  }

  /**
   * A precompressed file beside this one (`app.js.br` for `app.js`, nginx's gzip_static):
   * this representation's type and language, the sibling's coding, validators and bytes.
   */
  sibling(coding: ContentCoding, file: CachedFile): Representation {
    const known = this.#siblings.get(coding);
    if (known?.file === file) return known.representation;
    const metadata: HeaderList = [...this.base.metadataFields, ['Content-Encoding', coding]];
    const representation = withSelection(this.base, metadata, file.validators.etag, file.validatorFields, file.validators.lastModified);
    this.#siblings.set(coding, { file, representation });
    return representation;
  }
}

/** `"abc"` -> `"abc-gzip"`, `W/"abc"` -> `W/"abc-gzip"`. */
export function codedEtag(etag: string, coding: ContentCoding): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-${coding}"` : `${etag}-${coding}`;
}

function withSelection(base: Representation, metadata: HeaderList, etag: string, validatorFields: HeaderList, lastModified = base.validators.lastModified): Representation {
  return buildRepresentation(base.contentType, { etag, lastModified }, metadata, validatorFields, [...base.selectionFields, VARY_ACCEPT_ENCODING]);
}

/** One CodedForms per stored representation, for as long as that representation lives. */
const forms = new WeakMap<Representation, CodedForms>();

export function codedFormsOf(representation: Representation): CodedForms {
  let found = forms.get(representation);
  if (found === undefined) {
    found = new CodedForms(representation);
    forms.set(representation, found);
  }
  return found;
}
