/**
 * The memory of negotiation for one site. Variant lists are computed once per directory
 * version (or type-map version) and the outcome for each distinct set of Accept* values
 * once per list, so the common repeated negotiated request is a few map lookups: about
 * what a plain file costs (docs/performance.md S6). Both caches are bounded; a directory whose
 * names change gets a new version (DirectoryCache), so its old lists are simply never asked
 * for again and age out.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fields } from '../../http/fields.js';
import { HttpError } from '../../http/http-error.js';
import type { HeaderList } from '../../http/response.js';
import type { ExtensionMaps } from '../media-type.js';
import type { DirectoryContents } from '../directory-cache.js';
import { DEFAULT_FILE_CACHE_OPTIONS, type CachedFile, type FileCache } from '../file-cache.js';
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
/** Outcomes per list (a list still reachable from its directory after the budget cleared the others). */
const MAX_OUTCOMES_PER_LIST = 256;

export interface ListEntry {
  readonly list: VariantList;
  /** When it was built or last checked (lists are rebuilt after the cache's freshness bound). */
  builtAt: number;
  readonly outcomes: Map<string, Outcome>;
  readonly choices: Map<Variant, ChosenVariant>;
  /**
   * The preferences last decided for this list and their outcome: consecutive requests from
   * one kind of browser send the very same values, and comparing five strings is cheaper
   * than building and hashing a key.
   */
  readonly last: PreferenceValues;
  lastOutcome: Outcome | undefined;
}

/** Where a negotiable resource lives: its directory's URL path (ending in '/') and segments. */
export interface Place {
  readonly directoryKey: string;
  readonly directorySegments: readonly string[];
  /**
   * The directory contents in which this path's name was last found to have no variants:
   * while the directory cache still hands out that same version, a repeated 404 is one
   * comparison.
   */
  noVariantsIn?: DirectoryContents | undefined;
}

const ABSENT = '\u0001';

/** The values of the fields an outcome depends on (repeated fields joined), undefined when absent. */
export class PreferenceValues {
  accept: string | undefined = undefined;
  language: string | undefined = undefined;
  charset: string | undefined = undefined;
  encoding: string | undefined = undefined;
  negotiate: string | undefined = undefined;

  /** Reads them in one pass over the fields. */
  read(fields: Fields): this {
    this.accept = this.language = this.charset = this.encoding = this.negotiate = undefined;
    const list = fields.list;
    for (let i = 0; i < list.length; i++) {
      const field = list[i] as [string, string];
      const name = field[0];
      const value = field[1];
      if (name.charCodeAt(0) === 0x61 /* a */) {
        if (name === 'accept') this.accept = joined(this.accept, value);
        else if (name === 'accept-language') this.language = joined(this.language, value);
        else if (name === 'accept-charset') this.charset = joined(this.charset, value);
        else if (name === 'accept-encoding') this.encoding = joined(this.encoding, value);
      } else if (name === 'negotiate') {
        this.negotiate = joined(this.negotiate, value);
      }
    }
    return this;
  }

  equals(other: PreferenceValues): boolean {
    return (
      this.accept === other.accept &&
      this.language === other.language &&
      this.charset === other.charset &&
      this.encoding === other.encoding &&
      this.negotiate === other.negotiate
    );
  }

  copyFrom(other: PreferenceValues): void {
    this.accept = other.accept;
    this.language = other.language;
    this.charset = other.charset;
    this.encoding = other.encoding;
    this.negotiate = other.negotiate;
  }

  /** One cache key; field values never contain LF or U+0001, so it is unambiguous. */
  key(): string {
    return `${this.accept ?? ABSENT}\n${this.language ?? ABSENT}\n${this.charset ?? ABSENT}\n${this.encoding ?? ABSENT}\n${this.negotiate ?? ABSENT}`;
  }
}

function joined(held: string | undefined, value: string): string {
  return held === undefined ? value : `${held}, ${value}`;
}

/** The cache key of a request's preferences. */
export function preferenceKey(fields: Fields): string {
  return new PreferenceValues().read(fields).key();
}

/** The variants that are still files, with their sizes (a tie between codings goes to the smaller). */
async function withSizes(directory: string, variants: readonly Variant[]): Promise<Variant[]> {
  const sized = await Promise.all(
    variants.map(async (variant): Promise<Variant | undefined> => {
      try {
        const stats = await stat(join(directory, variant.label));
        return stats.isFile() ? { ...variant, size: stats.size } : undefined;
      } catch {
        // Removed since the names were read: no variant.
        return undefined;
      }
    }),
  );
  return sized.filter((variant): variant is Variant => variant !== undefined);
}

function sameSizes(a: readonly Variant[], b: readonly Variant[]): boolean {
  return a.length === b.length && a.every((variant, i) => variant.label === b[i]?.label && variant.size === b[i]?.size);
}

/** Scratch for the request being decided: decide() is synchronous, so one is enough. */
const current = new PreferenceValues();

export class Negotiator {
  private readonly lists = new Map<string, ListEntry>();
  /**
   * The lists of each directory version by name, held as long as the DirectoryCache holds
   * that version: the repeated request builds no key string.
   */
  private readonly byContents = new WeakMap<DirectoryContents, Map<string, ListEntry>>();
  /** Lists being built, so concurrent requests for one name stat its variants once. */
  private readonly building = new Map<string, Promise<ListEntry | undefined>>();
  private outcomeCount = 0;

  constructor(
    private readonly cache: FileCache,
    private readonly extensionMaps: ExtensionMaps,
  ) {}

  /**
   * The variants of `name` in a directory, for this version of its names; undefined when
   * there are none (not remembered: finding none is a binary search, and a flood of 404s
   * for made-up names must not fill the cache). The sizes of the variants are read with the
   * list (a few stats, never the whole folder) and again once the freshness bound has passed.
   */
  listForName(contents: DirectoryContents, name: string, place: Place): ListEntry | undefined | Promise<ListEntry | undefined> {
    const known = this.byContents.get(contents)?.get(name);
    if (known !== undefined && Date.now() - known.builtAt < DEFAULT_FILE_CACHE_OPTIONS.freshnessMs) return known;
    const variants = directoryVariants(contents, name, place.directoryKey, place.directorySegments, this.extensionMaps);
    if (variants.length === 0) return undefined;
    const key = `${contents.version}\0${name}`;
    let pending = this.building.get(key);
    if (pending === undefined) {
      pending = withSizes(contents.fsPath, variants)
        .then((sized) => this.keepList(contents, name, key, sized))
        .finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  /** Keeps a directory's list; the one held already (and its outcomes) when nothing changed. */
  private keepList(contents: DirectoryContents, name: string, key: string, variants: readonly Variant[]): ListEntry | undefined {
    let byName = this.byContents.get(contents);
    const known = byName?.get(name);
    if (known !== undefined && sameSizes(known.list.variants, variants)) {
      known.builtAt = Date.now();
      return known;
    }
    if (variants.length === 0) {
      byName?.delete(name);
      return undefined;
    }
    const entry = this.remember(key, variants);
    if (byName === undefined) {
      byName = new Map();
      this.byContents.set(contents, byName);
    }
    byName.set(name, entry);
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
    current.read(fields);
    if (entry.lastOutcome !== undefined && current.equals(entry.last)) return entry.lastOutcome;
    const key = current.key();
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
    if (key.length <= MAX_KEY_LENGTH) {
      entry.last.copyFrom(current);
      entry.lastOutcome = outcome;
    }
    return outcome;
  }

  private keep(entry: ListEntry, key: string, outcome: Outcome): void {
    if (this.outcomeCount >= MAX_OUTCOMES) {
      // Crude but free per hit: start over; the common combinations come back at once.
      for (const held of this.lists.values()) held.outcomes.clear();
      this.outcomeCount = 0;
    }
    if (entry.outcomes.size >= MAX_OUTCOMES_PER_LIST) entry.outcomes.clear();
    entry.outcomes.set(key, outcome);
    this.outcomeCount++;
  }

  private remember(key: string, variants: readonly Variant[]): ListEntry {
    const entry: ListEntry = {
      list: buildVariantList(variants),
      builtAt: Date.now(),
      outcomes: new Map(),
      choices: new Map(),
      last: new PreferenceValues(),
      lastOutcome: undefined,
    };
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
      const resolution = await this.cache.resolve(key, [...place.directorySegments, ...relative]);
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
