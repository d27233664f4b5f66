/**
 * The hot path's memory: what a decoded URL path resolves to (a file, with a trailing path
 * when a file is followed by more segments; a directory; or nothing, and why), with the
 * file's stats, validators, representation fields and (for small files) its bytes. An entry
 * is trusted for at most `freshnessMs` (1 s) after it was last checked against the disk;
 * after that the next request re-checks it (realpath + stat) before it is used again, so a
 * changed file is never served stale for longer than that, and `invalidate` makes a change
 * porta made itself (PUT, DELETE) visible at once. Bodies held in memory were read from the
 * same open file as the stats that describe them, so Content-Length always matches.
 *
 * Hidden names (the auth control file, upload temporaries) are refused by the name of the
 * file a path resolves to, so no spelling and no symbolic link reaches them.
 */
import type { Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { realPath } from './real-path.js';
import { basename, dirname, join, sep } from 'node:path';
import { formatHttpDate } from '../http/http-date.js';
import { HttpError } from '../http/http-error.js';
import type { HeaderList } from '../http/response.js';
import { DirectoryCache, type DirectoryContents } from './directory-cache.js';
import { fileValidators } from './file-validators.js';
import { isDotPath, isHiddenName, type DotfilePolicy } from './hidden-names.js';
import { describeFileName, type ExtensionMaps, type FileDescription } from './media-type.js';
import { notFoundError } from './not-found.js';
import { isInside, namesNothing } from './paths.js';
import type { Validators } from './preconditions.js';
import { buildRepresentation, type Representation } from './representation.js';

export interface CachedFile {
  readonly kind: 'file';
  readonly fsPath: string;
  readonly stats: Stats;
  readonly validators: Validators;
  readonly contentType: string;
  /** What the file name says: type, language, charset, coding. */
  readonly description: FileDescription;
  /** Content-Type, Content-Language, Content-Encoding as applicable. */
  readonly representation: HeaderList;
  /** Last-Modified and ETag, formatted once. */
  readonly validatorFields: HeaderList;
  /** The file served as itself (not as a negotiated variant). */
  readonly plain: Representation;
  /** The whole file, when it is small enough to keep in memory. */
  readonly body: Buffer | undefined;
}

export interface CachedDirectory {
  readonly kind: 'directory';
  readonly fsPath: string;
  readonly stats: Stats;
}

/**
 * Nothing there. `not-found`: the last segment does not exist (its directory may); `not-a-directory`:
 * a segment before the last is not a directory (PUT there is a conflict, not a 404).
 */
export interface MissingTarget {
  readonly kind: 'missing';
  readonly fsPath: string;
  readonly reason: 'not-found' | 'not-a-directory';
}

export type CachedTarget = CachedFile | CachedDirectory | MissingTarget;

/** What a URL path resolves to: a target, and the segments after a file (CGI's PATH_INFO). */
export interface Resolution {
  readonly target: CachedTarget;
  /** '' or '/more/segments' after a file that a longer path reached. */
  readonly trailingPath: string;
}

export interface FileCacheOptions {
  readonly root: string;
  /** The auth control file's name: never served (404), like upload temporaries. */
  readonly hiddenName: string;
  /** Dotfiles refused and unlisted ('deny', the default) or served ('allow'). */
  readonly dotfiles?: DotfilePolicy;
  readonly extensionMaps: ExtensionMaps;
  /** Files up to this size are kept in memory. */
  readonly maxFileBytes: number;
  /** Total bytes of file content kept in memory. */
  readonly memoryBudgetBytes: number;
  readonly maxEntries: number;
  readonly freshnessMs: number;
  /** The clock freshness is judged by (Date.now; tests pass their own to skip time). */
  readonly clock?: () => number;
}

export const DEFAULT_FILE_CACHE_OPTIONS = {
  maxFileBytes: 256 * 1024,
  memoryBudgetBytes: 64 * 1024 * 1024,
  maxEntries: 10_000,
  freshnessMs: 1000,
} as const;

interface Entry {
  resolution: Resolution;
  checkedAt: number;
}

const NO_SELECTION: HeaderList = [];

/** The cached description of a file with these stats (and, when held in memory, bytes). */
export function describeFile(real: string, stats: Stats, body: Buffer | undefined, maps: ExtensionMaps): CachedFile {
  const description = describeFileName(basename(real), maps);
  const representation: Array<readonly [string, string]> = [['Content-Type', description.contentType]];
  if (description.language !== undefined) representation.push(['Content-Language', description.language]);
  if (description.encoding !== undefined) representation.push(['Content-Encoding', description.encoding]);
  const validators = fileValidators(stats);
  const validatorFields: HeaderList = [
    ['Last-Modified', formatHttpDate(validators.lastModified)],
    ['ETag', validators.etag],
  ];
  const plain = buildRepresentation(description.contentType, validators, representation, validatorFields, NO_SELECTION);
  return {
    kind: 'file',
    fsPath: real,
    stats,
    validators,
    contentType: description.contentType,
    description,
    representation,
    validatorFields,
    plain,
    body,
  };
}

/** Same file, same content as far as stat can tell. */
export function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.dev === b.dev;
}

/** Reads up to `size` bytes from offset 0 (positioned reads, so a retry starts afresh). */
async function readWhole(handle: FileHandle, size: number): Promise<Buffer> {
  const data = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(data, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === size ? data : data.subarray(0, filled);
}

/** Tries at reading a small file whose stats change while it is read, before streaming it instead. */
const READ_ATTEMPTS = 3;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Resolution>>();
  private bodyBytes = 0;
  /** Directory contents, for listings and negotiation. */
  readonly directories: DirectoryCache;

  private readonly clock: () => number;

  constructor(private readonly options: FileCacheOptions) {
    this.clock = options.clock ?? Date.now;
    this.directories = new DirectoryCache({
      root: options.root,
      freshnessMs: options.freshnessMs,
      clock: this.clock,
      maxEntries: Math.max(16, Math.floor(options.maxEntries / 4)),
      isHidden: (name) => this.isHidden(name) || (this.options.dotfiles !== 'allow' && name.startsWith('.')),
    });
  }

  isHidden(name: string): boolean {
    return isHiddenName(name, this.options.hiddenName);
  }

  /** A path (segments under the root) through a dotfile the policy refuses. */
  private refusesDots(segments: readonly string[]): boolean {
    return isDotPath(segments, this.options.dotfiles ?? 'deny');
  }

  /** The cached resolution of a key if it was checked within the freshness window; no I/O. */
  peekResolution(key: string, now = this.clock()): Resolution | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || now - entry.checkedAt >= this.options.freshnessMs) return undefined;
    return entry.resolution;
  }

  /** The cached target for a key if it was checked within the freshness window; no I/O. */
  peek(key: string, now = this.clock()): CachedTarget | undefined {
    return this.peekResolution(key, now)?.target;
  }

  /** Resolves `segments` (decoded, dot segments removed) under the root, using the cache. */
  resolve(key: string, segments: readonly string[]): Promise<Resolution> {
    const fresh = this.peekResolution(key);
    if (fresh !== undefined) return Promise.resolve(fresh);
    let pending = this.loading.get(key);
    if (pending === undefined) {
      pending = this.refresh(key, segments).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Like resolve(), for callers that only need the target. */
  lookup(key: string, segments: readonly string[]): Promise<CachedTarget> {
    return this.resolve(key, segments).then((resolution) => resolution.target);
  }

  /**
   * Forgets what is known of a file or directory porta itself changed (PUT, DELETE), and of
   * its directory, so the next request sees the change at once. Paths that resolved to
   * nothing are forgotten too: one of them may name the new file.
   */
  invalidate(fsPath: string): void {
    for (const [key, entry] of this.entries) {
      const target = entry.resolution.target;
      if (target.kind === 'missing' || target.fsPath === fsPath || isInside(fsPath, target.fsPath)) this.forget(key);
    }
    this.directories.invalidate(dirname(fsPath));
    this.directories.invalidate(fsPath);
  }

  /** The contents of a directory target (cached like files). */
  readDirectory(fsPath: string): Promise<DirectoryContents> {
    return this.directories.read(fsPath);
  }

  private async refresh(key: string, segments: readonly string[]): Promise<Resolution> {
    if (segments.some((segment) => this.isHidden(segment)) || this.refusesDots(segments)) throw notFoundError();
    const fsPath = join(this.options.root, ...segments);
    const previous = this.entries.get(key);
    const checkedAt = this.clock();
    let resolution: Resolution;
    try {
      resolution = { target: await this.describePath(fsPath, previous?.resolution.target), trailingPath: '' };
    } catch (error) {
      if (error instanceof HttpError) {
        this.forget(key);
        throw error;
      }
      const code = errorCode(error);
      if (code === 'ENOTDIR') resolution = await this.resolveThroughFile(segments, fsPath);
      else resolution = { target: this.classifyFsError(error, fsPath, key), trailingPath: '' };
    }
    this.remember(key, resolution, checkedAt);
    return resolution;
  }

  /** realpath + stat of one path, refusing escapes from the root and hidden names. */
  private async describePath(fsPath: string, previous: CachedTarget | undefined): Promise<CachedFile | CachedDirectory> {
    const real = await realPath(fsPath);
    if (!isInside(this.options.root, real)) {
      throw new HttpError(403, 'The requested path is a symbolic link that leads outside the document root.');
    }
    // Judged by the file the path resolves to, so a symbolic link does not reach it either.
    if (this.isHidden(basename(real)) || this.refusesDots(real.slice(this.options.root.length + 1).split(sep))) throw notFoundError();
    const stats = await stat(real);
    if (previous?.kind === 'file' && previous.fsPath === real && sameFile(previous.stats, stats)) return previous;
    if (stats.isFile()) return this.loadFile(real, stats);
    if (stats.isDirectory()) return { kind: 'directory', fsPath: real, stats };
    throw new HttpError(403, 'The requested path is not a regular file or directory.');
  }

  /**
   * A segment before the last is not a directory (ENOTDIR). If it is a regular file, that file
   * is the target and the segments after it are the trailing path (RFC 3875 PATH_INFO);
   * otherwise nothing is there.
   */
  private async resolveThroughFile(segments: readonly string[], fsPath: string): Promise<Resolution> {
    for (let i = 1; i < segments.length; i++) {
      const prefix = join(this.options.root, ...segments.slice(0, i));
      let stats: Stats;
      try {
        stats = await stat(prefix);
      } catch {
        break;
      }
      if (stats.isDirectory()) continue;
      if (!stats.isFile()) break;
      const target = await this.describePath(prefix, undefined);
      return { target, trailingPath: `/${segments.slice(i).join('/')}` };
    }
    return { target: { kind: 'missing', fsPath, reason: 'not-a-directory' }, trailingPath: '' };
  }

  private classifyFsError(error: unknown, fsPath: string, key: string): MissingTarget {
    const code = errorCode(error);
    if (namesNothing(code)) return { kind: 'missing', fsPath, reason: 'not-found' };
    this.forget(key);
    if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') {
      throw new HttpError(403, 'The server is not permitted to read the requested path.', { cause: error });
    }
    throw error;
  }

  /** Builds the file entry; small files are read from the same descriptor their stats come from. */
  private async loadFile(real: string, pathStats: Stats): Promise<CachedFile> {
    let stats = pathStats;
    let body: Buffer | undefined;
    if (pathStats.size <= this.options.maxFileBytes && pathStats.size <= this.options.memoryBudgetBytes) {
      const handle = await open(real, 'r');
      try {
        for (let attempt = 0; attempt < READ_ATTEMPTS && body === undefined; attempt++) {
          const before = await handle.stat();
          const data = await readWhole(handle, before.size);
          const after = await handle.stat();
          stats = after;
          // Written to while we read: read again; if it keeps changing, it is streamed per request.
          if (sameFile(before, after) && data.length === after.size) body = data;
        }
      } finally {
        await handle.close();
      }
    }
    return describeFile(real, stats, body, this.options.extensionMaps);
  }

  private remember(key: string, resolution: Resolution, checkedAt: number): void {
    this.forget(key);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.forget(oldest.value);
    }
    const target = resolution.target;
    if (target.kind === 'file' && target.body !== undefined) {
      // Keep within the memory budget by dropping the oldest entries first.
      for (const [k, entry] of this.entries) {
        if (this.bodyBytes + target.body.length <= this.options.memoryBudgetBytes) break;
        const held = entry.resolution.target;
        if (held.kind === 'file' && held.body !== undefined) this.forget(k);
      }
      this.bodyBytes += target.body.length;
    }
    this.entries.set(key, { resolution, checkedAt });
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    const target = entry.resolution.target;
    if (target.kind === 'file' && target.body !== undefined) this.bodyBytes -= target.body.length;
    this.entries.delete(key);
  }
}
