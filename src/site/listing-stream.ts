/**
 * The listing page of a folder, made as it is sent: the names come from the directory cache
 * (already sorted), and the size and date of each entry are read a batch at a time, just
 * before its rows are written, with a bounded number of stats in flight. The page is yielded
 * in pieces of about CHUNK_CHARS characters and the next piece is made only when the
 * connection has taken the last one, so a folder of 50,000 entries costs a few batches of
 * memory per listing, and other connections are served between batches.
 *
 * What was read is kept beside the names (EntryDetails, 16 bytes an entry) and trusted for
 * the freshness window, so repeated listings of a folder within it stat nothing.
 */
import { stat } from 'node:fs';
import { sep } from 'node:path';
import type { DirectoryContents, EntryDetails } from './directory-cache.js';
import type { DirectoryEntry } from './directory-read.js';
import { listingEnd, listingStart, renderRow } from './directory-listing.js';

/** Entries read and rendered together. */
const BATCH = 128;
/** Stats in flight at once for one listing (the thread pool has four threads by default: other requests' file operations queue behind at most this many). */
const STATS_IN_FLIGHT = 32;
/** Characters of page gathered before a piece is handed to the connection. */
const CHUNK_CHARS = 16 * 1024;

/** How fresh the sizes and dates must be, and the clock that judges it. */
export interface ListingClock {
  readonly freshnessMs: number;
  now(): number;
}

function detailsOf(contents: DirectoryContents): EntryDetails {
  let details = contents.details;
  if (details === undefined) {
    const count = contents.entries.length;
    details = { sizes: new Float64Array(count), modified: new Float64Array(count), checkedAt: -Infinity };
    contents.details = details;
  }
  return details;
}

/**
 * Reads the size and date of the entries at `indexes` (NaN size: gone, not listed), keeping
 * STATS_IN_FLIGHT stats going. The callback form: it costs about two thirds of the promise
 * form per stat, which is most of the time a large listing takes.
 */
function statEntries(contents: DirectoryContents, details: EntryDetails, indexes: readonly number[]): Promise<void> {
  const base = contents.fsPath.endsWith(sep) ? contents.fsPath : contents.fsPath + sep;
  return new Promise((resolve) => {
    let next = 0;
    let pending = 0;
    const start = (): void => {
      while (pending < STATS_IN_FLIGHT && next < indexes.length) {
        const index = indexes[next++] as number;
        pending++;
        stat(base + (contents.entries[index] as DirectoryEntry).name, (error, stats) => {
          pending--;
          if (error === null) {
            details.sizes[index] = stats.size;
            details.modified[index] = stats.mtimeMs;
          } else {
            // Removed since the names were read (or a link broken meanwhile): not listed.
            details.sizes[index] = Number.NaN;
          }
          if (next < indexes.length) start();
          else if (pending === 0) resolve();
        });
      }
    };
    if (indexes.length === 0) resolve();
    else start();
  });
}

function rowsOf(contents: DirectoryContents, details: EntryDetails, indexes: readonly number[]): { text: string; count: number } {
  let text = '';
  let count = 0;
  for (const index of indexes) {
    const size = details.sizes[index] as number;
    if (Number.isNaN(size)) continue;
    const entry = contents.entries[index] as DirectoryEntry;
    text += `${renderRow({ name: entry.name, isDirectory: entry.kind === 'directory', size, modified: new Date(details.modified[index] as number) })}\n`;
    count++;
  }
  return { text, count };
}

/**
 * The page, piece by piece: folders first, then the other entries, each group in name order
 * (the order of directory-listing.ts). urlPath is the decoded URL path, ending in '/'.
 */
export async function* listingPieces(contents: DirectoryContents, urlPath: string, clock: ListingClock): AsyncGenerator<Buffer> {
  const details = detailsOf(contents);
  const startedAt = clock.now();
  const fresh = startedAt - details.checkedAt < clock.freshnessMs;
  let text = listingStart(urlPath);
  let rows = urlPath === '/' ? 0 : 1;
  const entries = contents.entries;
  for (const folders of [true, false]) {
    let batch: number[] = [];
    for (let index = 0; index <= entries.length; index++) {
      const last = index === entries.length;
      if (!last && ((entries[index] as DirectoryEntry).kind === 'directory') === folders) batch.push(index);
      if (batch.length < BATCH && !(last && batch.length > 0)) continue;
      if (!fresh) await statEntries(contents, details, batch);
      const made = rowsOf(contents, details, batch);
      text += made.text;
      rows += made.count;
      batch = [];
      if (text.length >= CHUNK_CHARS) {
        yield Buffer.from(text, 'utf8');
        text = '';
        // Sizes already known: no I/O paced this piece, so let other connections run before the next.
        if (fresh) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  if (!fresh) details.checkedAt = startedAt;
  yield Buffer.from(text + listingEnd(rows === 0, !contents.complete), 'utf8');
}
