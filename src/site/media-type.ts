/**
 * What a file name says about its content, the Apache mod_mime way (docs/serve.md, URLs, files and media types):
 * every dot-separated suffix after the base name names one thing, in any order: a media
 * type, a language, a charset or a content coding. `index.html.ru.koi8-r` is text/html,
 * Russian, koi8-r; `page.html.gz` is text/html sent with `Content-Encoding: gzip`.
 *
 * Extensions are looked up case-insensitively, as mod_mime does (`PHOTO.JPG` is
 * image/jpeg); the file name itself still matches case-sensitively on disk. Text,
 * JavaScript and JSON types carry `charset=utf-8` (the configurable default charset)
 * unless an extension names one. An archive compressed whole (`pkg.tar.gz`, `pkg.tgz`,
 * `data.gz`) is application/gzip with no Content-Encoding: a client must save it as it is,
 * not unpack it on the way.
 */
import mimeDb from 'mime-db';

export interface ExtensionMaps {
  /** Extension -> language tag for Content-Language (RFC 9110 section 8.5). */
  readonly languages: ReadonlyMap<string, string>;
  /** Extension -> charset for the Content-Type `charset` parameter (RFC 9110 section 8.3.2). */
  readonly charsets: ReadonlyMap<string, string>;
  /** Extension -> content coding for Content-Encoding (RFC 9110 section 8.4). */
  readonly encodings: ReadonlyMap<string, string>;
  /** Charset for text, JavaScript and JSON types without a charset extension; undefined: none. */
  readonly defaultCharset?: string | undefined;
}

export const DEFAULT_EXTENSION_MAPS: ExtensionMaps = Object.freeze({
  languages: new Map([
    ['en', 'en'],
    ['es', 'es'],
    ['de', 'de'],
    ['ja', 'ja'],
    ['ko', 'ko'],
    ['ru', 'ru'],
  ]),
  charsets: new Map([
    ['jis', 'iso-2022-jp'],
    ['koi8-r', 'koi8-r'],
    ['euc-kr', 'euc-kr'],
  ]),
  encodings: new Map([
    ['gz', 'gzip'],
    ['z', 'compress'],
    ['br', 'br'],
  ]),
  defaultCharset: 'utf-8',
});

export interface FileDescription {
  /** The media type an extension names, undefined when none does. */
  readonly type: string | undefined;
  readonly language: string | undefined;
  /** The charset an extension names (not the default charset). */
  readonly charset: string | undefined;
  readonly encoding: string | undefined;
  /** The Content-Type value: the type (or application/octet-stream) plus `; charset=x` (named or default). */
  readonly contentType: string;
  /** The name before the first extension: `index` for `index.html.ru.koi8-r`. */
  readonly baseName: string;
  /** The non-empty suffixes in name order: `['html', 'ru', 'koi8-r']`. */
  readonly extensions: readonly string[];
}

/** RFC 9110 section 8.3: a recipient may treat content of unknown type as this. */
const UNKNOWN_TYPE = 'application/octet-stream';

/** Types docs/serve.md, URLs, files and media types fixes, whatever the database says. */
const FIXED_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['html', 'text/html'],
  ['htm', 'text/html'],
  ['txt', 'text/plain'],
  ['xml', 'text/xml'],
  ['png', 'image/png'],
  ['jpeg', 'image/jpeg'],
  ['jpg', 'image/jpeg'],
  ['gif', 'image/gif'],
  ['pdf', 'application/pdf'],
  ['ppt', 'application/vnd.ms-powerpoint'],
  ['doc', 'application/msword'],
  // Not in mime-db: a gzip-compressed tar archive.
  ['tgz', 'application/gzip'],
];

/** Types that are archives: compressing one whole gives a compressed archive, not a coding. */
const ARCHIVE_TYPES = new Set(['application/x-tar', 'application/gzip', 'application/zip', 'application/x-7z-compressed']);

/** What a file compressed with a coding is, when it is not a coded representation of a type. */
const COMPRESSED_FILE_TYPES: ReadonlyMap<string, string> = new Map([
  ['gzip', 'application/gzip'],
  ['compress', 'application/x-compress'],
  // No registered type for a bare Brotli stream: it is bytes, not a coding to undo.
  ['br', UNKNOWN_TYPE],
]);

/** Types whose text needs a charset to be read right (RFC 9110 section 8.3.2). */
function takesCharset(type: string): boolean {
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json' || type.endsWith('+json');
}

/**
 * When mime-db lists several types for one extension, the registered (IANA) one wins, then
 * Apache's mime.types, then nginx's, then mime-db's own additions.
 */
const SOURCE_RANK: Readonly<Record<string, number>> = { iana: 3, apache: 2, nginx: 1 };

function buildTypeTable(): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  const rankOf = new Map<string, number>();
  for (const [type, entry] of Object.entries(mimeDb)) {
    // octet-stream is what an unknown extension gets anyway; a specific type beats it
    // (mime-db lists .exe .dll .iso under it, Apache names them precisely).
    if (type === UNKNOWN_TYPE || !entry.extensions) continue;
    const rank = SOURCE_RANK[entry.source ?? ''] ?? 0;
    for (const extension of entry.extensions) {
      const held = table.get(extension);
      const heldRank = rankOf.get(extension) ?? -1;
      // On a tie a specific top-level type beats application/* (video/mp4 over application/mp4).
      const better =
        held === undefined ||
        rank > heldRank ||
        (rank === heldRank && held.startsWith('application/') && !type.startsWith('application/'));
      if (better) {
        table.set(extension, type);
        rankOf.set(extension, rank);
      }
    }
  }
  for (const [extension, type] of FIXED_TYPES) table.set(extension, type);
  return table;
}

const TYPE_BY_EXTENSION = buildTypeTable();

/**
 * Whether an extension means something (a type, language, charset or coding): negotiation
 * only counts `name.*` files whose every extension does, so `page.html.bak` is no variant.
 */
export function isKnownExtension(extension: string, maps: ExtensionMaps): boolean {
  const lower = extension.toLowerCase();
  return maps.languages.has(lower) || maps.charsets.has(lower) || maps.encodings.has(lower) || TYPE_BY_EXTENSION.has(lower);
}

/** Splits `name` at its first dot after any leading dots (`.hidden` has no extension). */
function splitName(name: string): { baseName: string; extensions: string[] } {
  let start = 0;
  while (start < name.length && name.charCodeAt(start) === 0x2e) start++;
  const firstDot = name.indexOf('.', start);
  if (firstDot === -1) return { baseName: name, extensions: [] };
  const extensions = name
    .slice(firstDot + 1)
    .split('.')
    .filter((extension) => extension !== '');
  return { baseName: name.slice(0, firstDot), extensions };
}

function describe(name: string, maps: ExtensionMaps): FileDescription {
  const { baseName, extensions } = splitName(name);
  let type: string | undefined;
  let language: string | undefined;
  let charset: string | undefined;
  let encoding: string | undefined;
  // Like mod_mime, a later extension overrides an earlier one of the same kind and an
  // unknown extension is ignored. The configured maps claim an extension before the type
  // database does, so `.gz` is a coding (not application/gzip) and `.es` a language.
  for (const original of extensions) {
    const extension = original.toLowerCase();
    const lang = maps.languages.get(extension);
    const cs = maps.charsets.get(extension);
    const enc = maps.encodings.get(extension);
    if (lang !== undefined) language = lang;
    if (cs !== undefined) charset = cs;
    if (enc !== undefined) encoding = enc;
    if (lang === undefined && cs === undefined && enc === undefined) {
      type = TYPE_BY_EXTENSION.get(extension) ?? type;
    }
  }
  // A compressed archive, or a compressed file of no known type, is the compressed file
  // itself (application/gzip), not a coding the client should undo (pkg.tar.gz, data.gz).
  if (encoding !== undefined && (type === undefined || ARCHIVE_TYPES.has(type))) {
    const compressed = COMPRESSED_FILE_TYPES.get(encoding);
    if (compressed !== undefined) {
      type = compressed;
      encoding = undefined;
    }
  }
  const base = type ?? UNKNOWN_TYPE;
  const shownCharset = charset ?? (type !== undefined && takesCharset(type) ? maps.defaultCharset : undefined);
  return Object.freeze({
    type,
    language,
    charset,
    encoding,
    contentType: shownCharset === undefined ? base : `${base}; charset=${shownCharset}`,
    baseName,
    extensions: Object.freeze(extensions),
  });
}

/** Bounded per-maps caches: the same few names are described on every request. */
const CACHE_LIMIT = 10_000;
const caches = new WeakMap<ExtensionMaps, Map<string, FileDescription>>();

/**
 * Describes a file name (not a path) by its extensions. Never throws. Results are cached
 * per `maps` object, so a maps object must not change once it has been used.
 */
export function describeFileName(name: string, maps: ExtensionMaps = DEFAULT_EXTENSION_MAPS): FileDescription {
  let cache = caches.get(maps);
  if (cache === undefined) {
    cache = new Map();
    caches.set(maps, cache);
  }
  let description = cache.get(name);
  if (description === undefined) {
    description = describe(name, maps);
    // Clearing when full is cruder than LRU but costs nothing per hit.
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(name, description);
  }
  return description;
}
