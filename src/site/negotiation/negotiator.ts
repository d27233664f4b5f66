/**
 * The memory of negotiation for one site. Variant lists are computed once per directory
 * version (or type-map version) and the outcome for each distinct set of Accept* values
 * once per list, so the common repeated negotiated request is a few map lookups: about
 * what a plain file costs (performance.md S6). Both caches are bounded; a directory that
 * changes gets a new version (DirectoryCache), so its old lists are simply never asked for
 * again and age out.
 */
import { readFile } from 'node:fs/promises';
import type { Fields } from '../../http/fields.js';
import { HttpError } from '../../http/http-error.js';
import type { HeaderList } from '../../http/response.js';
import type { Site } from '../context.js';
import type { DirectoryContents } from '../directory-cache.js';
import { DEFAULT_FILE_CACHE_OPTIONS, type CachedFile } from '../file-cache.js';
import { directoryVariants, TYPE_MAP_EXTENSION } from './directory-variants.js';
import { ChosenVariant, listResponse, type Outcome } from './outcome.js';
import { readPreferences } from './preferences.js';
import { selectVariant } from './select.js';
import { MAX_TYPE_MAP_BYTES, parseTypeMap, typeMapUriSegments, type TypeMapRecord } from './type-map.js';
import type { Variant } from './variant.js';
import { buildVariantList, type VariantList } from './variant-list.js';

const MAX_LISTS = 1024;
/** Outcomes held over all lists (a 300/406 page is a few KiB): about 4096 x 4 KiB at most. */
const MAX_OUTCOMES = 4096;
/** Preferences longer than this are judged afresh each time rather than kept as a key. */
const MAX_KEY_LENGTH = 1024;

export interface ListEntry {
  readonly list: VariantList;
  /** When it was built (type maps are rebuilt after the cache's freshness bound). */
  readonly builtAt: number;
  readonly outcomes: Map<string, Outcome>;
  readonly choices: Map<Variant, ChosenVariant>;
}

/** Where a negotiable resource lives: its directory's URL path (ending in '/') and segments. */
export interface Place {
  readonly directoryKey: string;
  readonly directorySegments: readonly string[];
}

const ABSENT = '\u0001';

/**
 * The request fields an outcome depends on, as one cache key, in one pass over the fields.
 * Field values never contain LF or U+0001, so the key is unambiguous.
 */
export function preferenceKey(fields: Fields): string {
  let accept: string | undefined;
  let language: string | undefined;
  let charset: string | undefined;
  let encoding: string | undefined;
  let negotiate: string | undefined;
  const join = (held: string | undefined, value: string): string => (held === undefined ? value : `${held}, ${value}`);
  for (const [name, value] of fields.list) {
    if (name.charCodeAt(0) === 0x61 /* a */) {
      if (name === 'accept') accept = join(accept, value);
      else if (name === 'accept-language') language = join(language, value);
      else if (name === 'accept-charset') charset = join(charset, value);
      else if (name === 'accept-encoding') encoding = join(encoding, value);
    } else if (name === 'negotiate') {
      negotiate = join(negotiate, value);
    }
  }
  return `${accept ?? ABSENT}\n${language ?? ABSENT}\n${charset ?? ABSENT}\n${encoding ?? ABSENT}\n${negotiate ?? ABSENT}`;
}

export class Negotiator {
  private readonly lists = new Map<string, ListEntry>();
  private outcomeCount = 0;

  constructor(private readonly site: Site) {}

  /** The variants of `name` in a directory, for this version of its contents. */
  listForName(contents: DirectoryContents, name: string, place: Place): ListEntry {
    const key = `${contents.version}\0${name}`;
    let entry = this.lists.get(key);
    if (entry === undefined) {
      const variants = directoryVariants(contents, name, place.directoryKey, place.directorySegments, this.site.config.extensionMaps);
      entry = this.remember(key, variants);
    }
    return entry;
  }

  /** The variants a type map describes (cached per map version, for the freshness bound). */
  listForTypeMap(map: CachedFile, place: Place): ListEntry | Promise<ListEntry> {
    const key = `map\0${map.fsPath}\0${map.validators.etag}`;
    const entry = this.lists.get(key);
    if (entry !== undefined && Date.now() - entry.builtAt < DEFAULT_FILE_CACHE_OPTIONS.freshnessMs) return entry;
    return this.typeMapVariants(map, place).then((variants) => this.remember(key, variants));
  }

  /** The outcome for this request's preferences. */
  decide(entry: ListEntry, fields: Fields): Outcome {
    const key = preferenceKey(fields);
    let outcome = entry.outcomes.get(key);
    if (outcome === undefined) {
      const selection = selectVariant(entry.list.variants, readPreferences(fields));
      if (selection.kind === 'choice') {
        const variant = selection.variant;
        let chosen = entry.choices.get(variant);
        if (chosen === undefined) {
          chosen = new ChosenVariant(variant, entry.list);
          entry.choices.set(variant, chosen);
        }
        outcome = { kind: 'choice', variant, selection: chosen };
      } else {
        outcome = { kind: 'answer', response: listResponse(selection.kind === 'list' ? 300 : 406, entry.list, selection.qualities) };
      }
      if (key.length <= MAX_KEY_LENGTH) this.keep(entry, key, outcome);
    }
    return outcome;
  }

  private keep(entry: ListEntry, key: string, outcome: Outcome): void {
    if (this.outcomeCount >= MAX_OUTCOMES) {
      // Crude but free per hit: start over; the common combinations come back at once.
      for (const held of this.lists.values()) held.outcomes.clear();
      this.outcomeCount = 0;
    }
    entry.outcomes.set(key, outcome);
    this.outcomeCount++;
  }

  private remember(key: string, variants: readonly Variant[]): ListEntry {
    const entry: ListEntry = { list: buildVariantList(variants), builtAt: Date.now(), outcomes: new Map(), choices: new Map() };
    this.lists.delete(key);
    if (this.lists.size >= MAX_LISTS) {
      const oldest = this.lists.keys().next();
      if (!oldest.done) this.lists.delete(oldest.value);
    }
    this.lists.set(key, entry);
    return entry;
  }

  private async typeMapVariants(map: CachedFile, place: Place): Promise<Variant[]> {
    if (map.stats.size > MAX_TYPE_MAP_BYTES) {
      throw new HttpError(500, 'The type map of this resource is too large to be read.', {
        cause: new Error(`type map ${map.fsPath} is ${map.stats.size} bytes; at most ${MAX_TYPE_MAP_BYTES} are read`),
      });
    }
    const text = (map.body ?? (await readFile(map.fsPath)).subarray(0, MAX_TYPE_MAP_BYTES)).toString('utf8');
    const variants: Variant[] = [];
    for (const record of parseTypeMap(text)) {
      const variant = await this.typeMapVariant(record, place);
      if (variant !== undefined) variants.push(variant);
    }
    return variants;
  }

  /** A record's variant, when its URI names a file porta would serve (not another map). */
  private async typeMapVariant(record: TypeMapRecord, place: Place): Promise<Variant | undefined> {
    const relative = typeMapUriSegments(record.uri);
    if (relative === undefined) return undefined;
    const key = `${place.directoryKey}${relative.join('/')}`;
    let file: CachedFile;
    try {
      const resolution = await this.site.cache.resolve(key, [...place.directorySegments, ...relative]);
      if (resolution.target.kind !== 'file' || resolution.trailingPath !== '') return undefined;
      file = resolution.target;
    } catch {
      // A hidden name, a dotfile or a path out of the root is no variant: left out.
      return undefined;
    }
    if (file.fsPath.endsWith(TYPE_MAP_EXTENSION)) return undefined;
    const described = file.description;
    const type = record.type ?? described.type;
    const charset = record.charset ?? described.charset?.toLowerCase();
    const languages = record.languages.length > 0 ? record.languages : described.language === undefined ? [] : [described.language.toLowerCase()];
    const encoding = record.encoding ?? described.encoding?.toLowerCase();
    const contentType =
      record.type === undefined
        ? file.contentType
        : `${record.type}${record.typeParams.map(([name, value]) => `; ${name}=${value}`).join('')}${charset === undefined ? '' : `; charset=${charset}`}`;
    const declaredFields: Array<readonly [string, string]> = [['Content-Type', contentType]];
    if (languages.length > 0) declaredFields.push(['Content-Language', languages.join(', ')]);
    if (encoding !== undefined) declaredFields.push(['Content-Encoding', encoding]);
    return {
      uri: record.uri,
      label: relative.join('/'),
      key,
      segments: [...place.directorySegments, ...relative],
      type,
      typeParams: record.typeParams,
      languages,
      charset,
      encoding,
      qs: record.qs,
      size: file.stats.size,
      declaredFields: declaredFields as HeaderList,
      declaredContentType: contentType,
      description: record.description,
    };
  }
}
