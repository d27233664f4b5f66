/**
 * Variants found in a directory (MultiViews, docs/serve.md, content negotiation): for a request naming
 * `name`, each file `name.EXT...` whose every extension after `name` means something
 * (a type, language, charset or coding: section 5) is a variant, described by its
 * extensions in any order. `page.html.bak` or `page.html~` is not a variant (Apache's
 * MultiviewsMatch NegotiatedOnly), nor a type map (`*.var`), nor a hidden name: the
 * directory contents already leave out control files, upload temporaries and (unless
 * allowed) dotfiles.
 */
import type { DirectoryContents, DirectoryEntry } from '../directory-cache.js';
import { describeFileName, isKnownExtension, type ExtensionMaps } from '../media-type.js';
import { FULL } from './preferences.js';
import type { Variant } from './variant.js';

export const TYPE_MAP_EXTENSION = '.var';

/**
 * Variants considered per resource (the first in name order): bounds the Alternates field
 * and the list page, whatever a directory holds.
 */
export const MAX_VARIANTS = 64;

/** Whether `file` is a variant of `name`: `name.` plus extensions that all mean something. */
function isVariantName(file: string, name: string, maps: ExtensionMaps): boolean {
  if (file.length <= name.length + 1 || !file.startsWith(name) || file.charCodeAt(name.length) !== 0x2e /* . */) return false;
  if (file.endsWith(TYPE_MAP_EXTENSION)) return false;
  let any = false;
  for (const extension of file.slice(name.length + 1).split('.')) {
    if (extension === '') continue;
    if (!isKnownExtension(extension, maps)) return false;
    any = true;
  }
  return any;
}

/** The index of the first entry whose name is >= `name` (entries sorted by code units). */
function firstAtOrAfter(entries: readonly DirectoryEntry[], name: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle] as DirectoryEntry).name < name) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The variants of `name` in a directory whose URL path is `directoryKey` (ending in '/')
 * and whose segments are `directorySegments`; in name order (the directory is sorted).
 */
export function directoryVariants(
  contents: DirectoryContents,
  name: string,
  directoryKey: string,
  directorySegments: readonly string[],
  maps: ExtensionMaps,
): Variant[] {
  const variants: Variant[] = [];
  const entries = contents.entries;
  const prefix = `${name}.`;
  // The entries are sorted, so the names starting with `name.` are one run: found in
  // O(log n), and a 404 in a large directory costs no scan of it.
  for (let i = firstAtOrAfter(entries, prefix); i < entries.length; i++) {
    const entry = entries[i] as DirectoryEntry;
    if (!entry.name.startsWith(prefix) || variants.length >= MAX_VARIANTS) break;
    if (entry.kind !== 'file' || !isVariantName(entry.name, name, maps)) continue;
    const description = describeFileName(entry.name, maps);
    variants.push({
      uri: encodeURIComponent(entry.name),
      label: entry.name,
      key: `${directoryKey}${entry.name}`,
      segments: [...directorySegments, entry.name],
      type: description.type,
      typeParams: [],
      languages: description.language === undefined ? [] : [description.language.toLowerCase()],
      charset: description.charset?.toLowerCase(),
      encoding: description.encoding?.toLowerCase(),
      qs: FULL,
      // Read from the disk with the list (negotiator.ts): the names alone do not tell it.
      size: undefined,
      declaredFields: undefined,
      declaredContentType: undefined,
      description: undefined,
    });
  }
  return variants;
}
