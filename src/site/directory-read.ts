/**
 * One read of a directory's names, built incrementally so a folder of 50,000 entries never
 * holds the event loop or the thread pool: entries come from fs.opendir a batch at a time
 * (each batch is one thread-pool read, so other connections are served between batches),
 * and only what a name alone cannot tell is asked of the disk: a symbolic link is followed
 * (realpath, then stat) to learn whether it stays inside the document root and what it leads
 * to, a few at a time. Sizes and dates are not read here; a listing stats the entries it
 * shows as it sends them (site/listing-stream.ts).
 */
import type { Dirent } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { realPath } from './real-path.js';
import { join } from 'node:path';
import { isInside } from './paths.js';

export type EntryKind = 'file' | 'directory' | 'other';

export interface DirectoryEntry {
  readonly name: string;
  /** What the name leads to (a symbolic link: what its target is). */
  readonly kind: EntryKind;
}

export interface DirectoryRead {
  /** Sorted by UTF-16 code units: negotiation binary-searches this order. */
  readonly entries: DirectoryEntry[];
  /** The same entries by name. */
  readonly byName: Map<string, DirectoryEntry>;
  /** False when the folder holds more than `maxEntries` visible entries: only the first read are here. */
  readonly complete: boolean;
}

export interface DirectoryReadOptions {
  readonly root: string;
  readonly isHidden: (name: string) => boolean;
  /** Entries kept at most; beyond, the read stops and says it is incomplete. */
  readonly maxEntries: number;
}

/** Entries fetched per thread-pool read. */
const BATCH = 512;
/** Symbolic links followed at once (each is two thread-pool operations). */
const LINKS_AT_ONCE = 16;

/** The kind of what a directory entry is, without a stat (undefined: a link, to be followed). */
function kindOf(dirent: Dirent): EntryKind | undefined {
  if (dirent.isSymbolicLink()) return undefined;
  if (dirent.isFile()) return 'file';
  if (dirent.isDirectory()) return 'directory';
  return 'other';
}

/** What a link inside the folder leads to; undefined when dangling or outside the root. */
async function followLink(root: string, path: string): Promise<EntryKind | undefined> {
  try {
    const real = await realPath(path);
    if (!isInside(root, real)) return undefined;
    const stats = await stat(real);
    return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
  } catch {
    // A dangling link, or one removed meanwhile, is simply not listed.
    return undefined;
  }
}

/** Follows links a few at a time, adding those that lead somewhere inside the root. */
async function addLinks(links: readonly string[], fsPath: string, root: string, into: Map<string, DirectoryEntry>): Promise<void> {
  for (let start = 0; start < links.length; start += LINKS_AT_ONCE) {
    const names = links.slice(start, start + LINKS_AT_ONCE);
    const kinds = await Promise.all(names.map((name) => followLink(root, join(fsPath, name))));
    names.forEach((name, i) => {
      const kind = kinds[i];
      if (kind !== undefined) into.set(name, { name, kind });
    });
  }
}

/**
 * Reads the visible entries of a directory (an absolute, symlink-free path inside the root).
 * The map is filled as the batches arrive; what is left to do at the end without a pause is
 * sorting the names (the engine's own string order, which is code-unit order) and one pass
 * over them.
 */
export async function readDirectoryEntries(fsPath: string, options: DirectoryReadOptions): Promise<DirectoryRead> {
  const byName = new Map<string, DirectoryEntry>();
  const links: string[] = [];
  let complete = true;
  const dir = await opendir(fsPath, { bufferSize: BATCH });
  try {
    for (;;) {
      const dirent = await dir.read();
      if (dirent === null) break;
      if (options.isHidden(dirent.name)) continue;
      if (byName.size + links.length >= options.maxEntries) {
        complete = false;
        break;
      }
      const kind = kindOf(dirent);
      if (kind === undefined) links.push(dirent.name);
      else byName.set(dirent.name, { name: dirent.name, kind });
    }
  } finally {
    await dir.close().catch(() => undefined);
  }
  await addLinks(links, fsPath, options.root, byName);
  const names = [...byName.keys()].sort();
  const entries = names.map((name) => byName.get(name) as DirectoryEntry);
  return { entries, byName, complete };
}
