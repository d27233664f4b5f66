/**
 * The names of directories, read once per folder and shared by listings, negotiation and
 * the 404s of missing names there. A folder is re-read only when its own stat says it
 * changed (device, inode, mtime, ctime: creating, removing or renaming an entry updates
 * them), not on a timer: that stat is taken at most once per freshness window (1 s, as for
 * files), so the common request costs no I/O, and an unchanged folder of 50,000 entries
 * costs one stat a second however many requests it gets. Each distinct set of names gets a
 * new `version`, so what is computed from it (a variant list) can be cached under
 * (folder, version).
 *
 * Memory is bounded twice: a folder keeps at most `maxEntriesPerDirectory` names (beyond,
 * its contents say `complete: false` and only the first ones read are listed and
 * negotiated), and all folders together at most `maxTotalEntries`, the least recently used
 * folders being forgotten first.
 *
 * Hidden names (the auth control file, upload temporaries, dotfiles unless allowed) and
 * symbolic links that lead outside the document root are left out: what is listed is what
 * GET would serve.
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readDirectoryEntries, type DirectoryEntry } from './directory-read.js';

export type { DirectoryEntry, EntryKind } from './directory-read.js';

/** Sizes and dates of a folder's entries, as a listing last read them (by entry index). */
export interface EntryDetails {
  /** Bytes; NaN when the entry could not be read (gone since the names were). */
  readonly sizes: Float64Array;
  /** Modification times in ms since the epoch. */
  readonly modified: Float64Array;
  /** When the reading that filled them started; -Infinity until one has completed. */
  checkedAt: number;
}

export interface DirectoryContents {
  readonly fsPath: string;
  /** Changes whenever the names do; unique across directories. */
  readonly version: number;
  /** Sorted by UTF-16 code units (negotiation/directory-variants.ts binary-searches them). */
  readonly entries: readonly DirectoryEntry[];
  /** Entries by name. */
  readonly byName: ReadonlyMap<string, DirectoryEntry>;
  /** False when the folder holds more entries than a folder may keep: these are the first read. */
  readonly complete: boolean;
  /** Made by the first listing of these contents, shared by the next ones. */
  details: EntryDetails | undefined;
}

interface Slot {
  contents: DirectoryContents;
  /** The folder's own stat when its names were read. */
  stats: Stats;
  /** False when the folder changed too recently (or during the read) for its stat to vouch for it. */
  trusted: boolean;
  checkedAt: number;
  /** For least-recently-used eviction. */
  lastUsed: number;
}

export interface DirectoryCacheOptions {
  readonly root: string;
  readonly freshnessMs: number;
  /** The clock freshness is judged by (Date.now by default). */
  readonly clock?: () => number;
  /** Folders remembered at most. */
  readonly maxEntries: number;
  /** Names kept per folder (default DEFAULT_MAX_ENTRIES_PER_DIRECTORY). */
  readonly maxEntriesPerDirectory?: number;
  /** Names kept over all folders (default DEFAULT_MAX_TOTAL_ENTRIES). */
  readonly maxTotalEntries?: number;
  readonly isHidden: (name: string) => boolean;
}

/** About 12 MB of names and sizes for one folder. */
export const DEFAULT_MAX_ENTRIES_PER_DIRECTORY = 100_000;
/** About 25 MB over all folders. */
export const DEFAULT_MAX_TOTAL_ENTRIES = 200_000;
/**
 * A folder modified this recently before its names were read might change again within the
 * same tick of the file system's clock, leaving its mtime as it was: such a read is not
 * vouched for by the stat and is made again at the next check.
 */
const RACY_MS = 1000;

let nextVersion = 1;

/** Same folder, same names as far as its stat can tell. */
function sameFolder(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

function sameEntries(a: readonly DirectoryEntry[], b: readonly DirectoryEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as DirectoryEntry;
    const y = b[i] as DirectoryEntry;
    if (x.name !== y.name || x.kind !== y.kind) return false;
  }
  return true;
}

export class DirectoryCache {
  private readonly slots = new Map<string, Slot>();
  private readonly loading = new Map<string, Promise<DirectoryContents>>();
  private readonly clock: () => number;
  private readonly maxPerDirectory: number;
  private readonly maxTotal: number;
  private totalEntries = 0;
  private useCounter = 0;

  constructor(private readonly options: DirectoryCacheOptions) {
    this.clock = options.clock ?? Date.now;
    this.maxTotal = options.maxTotalEntries ?? DEFAULT_MAX_TOTAL_ENTRIES;
    this.maxPerDirectory = Math.min(options.maxEntriesPerDirectory ?? DEFAULT_MAX_ENTRIES_PER_DIRECTORY, this.maxTotal);
  }

  /** How long a check of a folder (or a listing's sizes) is trusted. */
  get freshnessMs(): number {
    return this.options.freshnessMs;
  }

  now(): number {
    return this.clock();
  }

  /** Names held over all folders (bounded by maxTotalEntries). */
  get heldEntries(): number {
    return this.totalEntries;
  }

  /** The contents if the folder was checked within the freshness window; no I/O. */
  peek(fsPath: string, now = this.clock()): DirectoryContents | undefined {
    const slot = this.slots.get(fsPath);
    if (slot === undefined || now - slot.checkedAt >= this.options.freshnessMs) return undefined;
    slot.lastUsed = ++this.useCounter;
    return slot.contents;
  }

  /** The contents of a directory (an absolute, symlink-free path inside the root). */
  read(fsPath: string): Promise<DirectoryContents> {
    const fresh = this.peek(fsPath);
    if (fresh !== undefined) return Promise.resolve(fresh);
    let pending = this.loading.get(fsPath);
    if (pending === undefined) {
      pending = this.refresh(fsPath)
        .catch((error: unknown) => {
          // Gone or unreadable: nothing of it is kept.
          this.forget(fsPath);
          throw error;
        })
        .finally(() => this.loading.delete(fsPath));
      this.loading.set(fsPath, pending);
    }
    return pending;
  }

  /** Makes the next read check the folder's stat (after PUT or DELETE in it). */
  invalidate(fsPath: string): void {
    // Marked unchecked rather than dropped: unchanged names keep their version.
    const slot = this.slots.get(fsPath);
    if (slot !== undefined) slot.checkedAt = -Infinity;
  }

  private async refresh(fsPath: string): Promise<DirectoryContents> {
    const checkedAt = this.clock();
    const before = await stat(fsPath);
    const slot = this.slots.get(fsPath);
    if (slot !== undefined && slot.trusted && sameFolder(slot.stats, before)) {
      slot.checkedAt = checkedAt;
      slot.lastUsed = ++this.useCounter;
      return slot.contents;
    }
    const startedAt = Date.now();
    const read = await readDirectoryEntries(fsPath, { root: this.options.root, isHidden: this.options.isHidden, maxEntries: this.maxPerDirectory });
    const after = await stat(fsPath);
    // Compared with the wall clock: file times are wall-clock times.
    const trusted = sameFolder(before, after) && startedAt - Math.max(after.mtimeMs, after.ctimeMs) >= RACY_MS;
    const previous = this.slots.get(fsPath)?.contents;
    const contents =
      previous !== undefined && previous.complete === read.complete && sameEntries(previous.entries, read.entries)
        ? previous
        : {
            fsPath,
            version: nextVersion++,
            entries: read.entries,
            byName: read.byName,
            complete: read.complete,
            details: undefined,
          };
    this.store(fsPath, { contents, stats: before, trusted, checkedAt, lastUsed: ++this.useCounter });
    return contents;
  }

  /** Keeps a folder within the budgets, forgetting the least recently used ones first. */
  private store(fsPath: string, slot: Slot): void {
    this.forget(fsPath);
    const size = slot.contents.entries.length;
    while (this.slots.size > 0 && (this.slots.size >= this.options.maxEntries || this.totalEntries + size > this.maxTotal)) {
      this.forget(this.leastRecentlyUsed());
    }
    this.slots.set(fsPath, slot);
    this.totalEntries += size;
  }

  private leastRecentlyUsed(): string {
    let oldest: string | undefined;
    let oldestUse = Infinity;
    for (const [path, slot] of this.slots) {
      if (slot.lastUsed < oldestUse) {
        oldest = path;
        oldestUse = slot.lastUsed;
      }
    }
    return oldest as string;
  }

  private forget(fsPath: string): void {
    const slot = this.slots.get(fsPath);
    if (slot === undefined) return;
    this.totalEntries -= slot.contents.entries.length;
    this.slots.delete(fsPath);
  }
}
