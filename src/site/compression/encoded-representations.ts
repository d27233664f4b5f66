/**
 * The coded forms of one stored representation: itself with `Vary: Accept-Encoding` (what
 * an identity answer carries once the response varies), and per content coding a
 * representation with its own ETag (`"tag-gzip"`, so a cache or a conditional request never
 * confuses the coded bytes with the plain ones, RFC 9110 section 8.8.3.3) and the
 * compressed bytes, made once and kept as long as the file is unchanged.
 *
 * Compressed copies are held beside the file cache's own bodies under a budget of their
 * own; beyond it a file is sent uncompressed rather than compressed per request.
 */
import { promisify } from 'node:util';
import type { HeaderList } from '../../http/response.js';
import { lazyBuiltin } from '../../lazy-builtin.js';
import type { CachedFile } from '../file-cache.js';
import { buildRepresentation, type Representation } from '../representation.js';
import type { ContentCoding } from './accept-encoding.js';

/** node:zlib is loaded when the first file is compressed, not by every server. */
const zlib = lazyBuiltin<typeof import('node:zlib')>('node:zlib');
let gzipAsync: ((body: Buffer, options: import('node:zlib').ZlibOptions) => Promise<Buffer>) | undefined;
let brotliAsync: ((body: Buffer, options: import('node:zlib').BrotliOptions) => Promise<Buffer>) | undefined;

/** Smaller bodies gain too little for the bytes `Content-Encoding` and `Vary` add. */
export const MIN_COMPRESS_BYTES = 1024;
/** All compressed copies together. */
const ENCODED_BUDGET_BYTES = 32 * 1024 * 1024;

export const VARY_ACCEPT_ENCODING: readonly [string, string] = ['Vary', 'Accept-Encoding'];

export interface EncodedBody {
  readonly representation: Representation;
  readonly bytes: Buffer;
}

/** A copy being made, made, or not worth making (null: it came out no smaller, or no budget). */
type EncodedSlot = EncodedBody | Promise<EncodedBody | null> | null;

let encodedBytes = 0;
/** A compressed copy's bytes are given back when the representation it belongs to is collected. */
const giveBack = new FinalizationRegistry<number>((bytes) => {
  encodedBytes -= bytes;
});

export class CodedForms {
  /** The representation itself, saying that it varies with Accept-Encoding. */
  readonly identity: Representation;
  readonly #encoded = new Map<ContentCoding, EncodedSlot>();
  readonly #siblings = new Map<ContentCoding, { readonly file: CachedFile; readonly representation: Representation }>();
  /** The request path these forms were last reached by, and its siblings' paths (`/app.js.br`). */
  siblingKeys: { readonly path: string; readonly br: string; readonly gzip: string } | undefined = undefined;

  constructor(readonly base: Representation) {
    this.identity = withSelection(base, base.metadataFields, base.validators.etag, base.validatorFields);
  }

  /** The compressed copy of `body` in `coding`: ready, on its way, or null when not worth it. */
  encoded(coding: ContentCoding, body: Buffer): EncodedSlot {
    const slot = this.#encoded.get(coding);
    if (slot !== undefined) return slot;
    if (encodedBytes + body.length > ENCODED_BUDGET_BYTES) return null;
    const pending = compress(coding, body).then(
      (bytes): EncodedBody | null => {
        // A coding that saves nothing is not worth a Content-Encoding.
        const result = bytes.length < body.length ? { representation: this.represent(coding), bytes } : null;
        if (result !== null) {
          encodedBytes += bytes.length;
          giveBack.register(this.base, bytes.length);
        }
        this.#encoded.set(coding, result);
        return result;
      },
      () => {
        this.#encoded.set(coding, null);
        return null;
      },
    );
    this.#encoded.set(coding, pending);
    return pending;
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

  /** The representation of a copy of these bytes made in `coding`. */
  private represent(coding: ContentCoding): Representation {
    const metadata: HeaderList = [...this.base.metadataFields, ['Content-Encoding', coding]];
    const etag = codedEtag(this.base.validators.etag, coding);
    const fields = this.base.validatorFields.map(([name, value]): readonly [string, string] => (name === 'ETag' ? [name, etag] : [name, value]));
    return withSelection(this.base, metadata, etag, fields);
  }
}

/** `"abc"` -> `"abc-gzip"`, `W/"abc"` -> `W/"abc-gzip"`. */
export function codedEtag(etag: string, coding: ContentCoding): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-${coding}"` : `${etag}-${coding}`;
}

function withSelection(base: Representation, metadata: HeaderList, etag: string, validatorFields: HeaderList, lastModified = base.validators.lastModified): Representation {
  return buildRepresentation(base.contentType, { etag, lastModified }, metadata, validatorFields, [...base.selectionFields, VARY_ACCEPT_ENCODING]);
}

function compress(coding: ContentCoding, body: Buffer): Promise<Buffer> {
  const { constants } = zlib();
  if (coding === 'gzip') return (gzipAsync ??= promisify(zlib().gzip))(body, { level: 6 });
  return (brotliAsync ??= promisify(zlib().brotliCompress))(body, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      // Made once per file version, so a good ratio is worth some time; 11 is 10x slower for ~5%.
      [constants.BROTLI_PARAM_QUALITY]: 9,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
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
