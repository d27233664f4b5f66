/**
 * The contents of directories (names, kinds, sizes, times), cached with the same staleness
 * bound as files: listings and negotiation read them on every request, and a readdir plus a
 * stat per entry each time would cost more than the answer. Each distinct content gets a new
 * `version`, so whatever is computed from a listing (a negotiation result) can be cached
 * under (directory, version) and is invalidated when the directory changes.
 *
 * Hidden names (the auth control file, upload temporaries) and symbolic links that lead
 * outside the document root are left out: what is listed is what GET would serve.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside } from './paths.js';

export interface DirectoryEntry {
  readonly name: string;
  readonly kind: 'file' | 'directory' | 'other';
  readonly size: number;
  readonly modified: Date;
}

export interface DirectoryContents {
  readonly fsPath: string;
  /** Changes whenever the entries do; unique across directories. */
  readonly version: number;
  readonly entries: readonly DirectoryEntry[];
  /** Entries by name. */
  readonly byName: ReadonlyMap<string, DirectoryEntry>;
}

interface Slot {
  contents: DirectoryContents;
  signature: string;
  checkedAt: number;
}

export interface DirectoryCacheOptions {
  readonly root: string;
  readonly freshnessMs: number;
  /** The clock freshness is judged by (Date.now by default). */
  readonly clock?: () => number;
  readonly maxEntries: number;
  readonly isHidden: (name: string) => boolean;
}

let nextVersion = 1;

export class DirectoryCache {
  private readonly slots = new Map<string, Slot>();
  private readonly loading = new Map<string, Promise<DirectoryContents>>();

  constructor(private readonly options: DirectoryCacheOptions) {}

  /** The contents if they were read within the freshness window; no I/O. */
  peek(fsPath: string, now = (this.options.clock ?? Date.now)()): DirectoryContents | undefined {
    const slot = this.slots.get(fsPath);
    if (slot === undefined || now - slot.checkedAt >= this.options.freshnessMs) return undefined;
    return slot.contents;
  }

  /** The contents of a directory (an absolute, symlink-free path inside the root). */
  read(fsPath: string): Promise<DirectoryContents> {
    const fresh = this.peek(fsPath);
    if (fresh !== undefined) return Promise.resolve(fresh);
    let pending = this.loading.get(fsPath);
    if (pending === undefined) {
      pending = this.load(fsPath).finally(() => this.loading.delete(fsPath));
      this.loading.set(fsPath, pending);
    }
    return pending;
  }

  /** Forgets a directory: the next read goes to the disk (after PUT or DELETE in it). */
  invalidate(fsPath: string): void {
    // Marked stale rather than dropped: unchanged contents keep their version.
    const slot = this.slots.get(fsPath);
    if (slot !== undefined) slot.checkedAt = 0;
  }

  private async load(fsPath: string): Promise<DirectoryContents> {
    const checkedAt = (this.options.clock ?? Date.now)();
    const dirents = await readdir(fsPath, { withFileTypes: true });
    const entries: DirectoryEntry[] = [];
    await Promise.all(
      dirents
        .filter((dirent) => !this.options.isHidden(dirent.name))
        .map(async (dirent) => {
          const path = join(fsPath, dirent.name);
          try {
            if (dirent.isSymbolicLink() && !isInside(this.options.root, await realpath(path))) return;
            const stats = await stat(path);
            const kind = stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
            entries.push({ name: dirent.name, kind, size: stats.size, modified: stats.mtime });
          } catch {
            // A dangling link or an entry removed meanwhile is simply not listed.
          }
        }),
    );
    // Sorted by code units: negotiation (negotiation/directory-variants.ts) binary-searches this order.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const signature = entries.map((e) => `${e.name}\0${e.kind}\0${e.size}\0${e.modified.getTime()}`).join('\0\0');
    const previous = this.slots.get(fsPath);
    let contents: DirectoryContents;
    if (previous !== undefined && previous.signature === signature) {
      contents = previous.contents;
    } else {
      contents = { fsPath, version: nextVersion++, entries, byName: new Map(entries.map((e) => [e.name, e])) };
    }
    this.slots.delete(fsPath);
    if (this.slots.size >= this.options.maxEntries) {
      const oldest = this.slots.keys().next();
      if (!oldest.done) this.slots.delete(oldest.value);
    }
    this.slots.set(fsPath, { contents, signature, checkedAt });
    return contents;
  }
}
