/**
 * The hot path's memory: what a decoded URL path maps to, with the file's stats,
 * validators, representation fields and (for small files) its bytes. An entry is trusted
 * for at most `freshnessMs` (1 s) after it was last checked against the disk; after that
 * the next request re-checks it (realpath + stat) before it is used again, so a changed
 * file is never served stale for longer than that. Bodies held in memory were read from
 * the same open file as the stats that describe them, so Content-Length always matches.
 */
import type { Stats } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { formatHttpDate } from '../http/http-date.js';
import { HttpError } from '../http/http-error.js';
import { formatHeaderBlock } from '../http/response.js';
import { fileValidators } from './file-validators.js';
import { describeFileName, type ExtensionMaps } from './media-type.js';
import type { Validators } from './preconditions.js';

export interface CachedFile {
  readonly kind: 'file';
  readonly fsPath: string;
  readonly stats: Stats;
  readonly validators: Validators;
  readonly contentType: string;
  /** Content-Type, Content-Language, Content-Encoding as applicable. */
  readonly representation: ReadonlyArray<readonly [string, string]>;
  /** Last-Modified and ETag, formatted once. */
  readonly validatorFields: ReadonlyArray<readonly [string, string]>;
  /** Representation, validators and Accept-Ranges formatted once: the 200 response's fields. */
  readonly fullResponseFields: string;
  /** The whole file, when it is small enough to keep in memory. */
  readonly body: Buffer | undefined;
}

export type CachedTarget =
  | CachedFile
  | { readonly kind: 'directory'; readonly fsPath: string; readonly stats: Stats }
  | { readonly kind: 'missing'; readonly fsPath: string };

export interface FileCacheOptions {
  readonly root: string;
  /** A name that is never served (the auth control file): it resolves to 404. */
  readonly hiddenName: string;
  readonly extensionMaps: ExtensionMaps;
  /** Files up to this size are kept in memory. */
  readonly maxFileBytes: number;
  /** Total bytes of file content kept in memory. */
  readonly memoryBudgetBytes: number;
  readonly maxEntries: number;
  readonly freshnessMs: number;
}

export const DEFAULT_FILE_CACHE_OPTIONS = {
  maxFileBytes: 256 * 1024,
  memoryBudgetBytes: 64 * 1024 * 1024,
  maxEntries: 10_000,
  freshnessMs: 1000,
} as const;

interface Entry {
  target: CachedTarget;
  checkedAt: number;
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The cached description of a file with these stats (and, when held in memory, bytes). */
export function describeFile(real: string, stats: Stats, body: Buffer | undefined, maps: ExtensionMaps): CachedFile {
  const description = describeFileName(basename(real), maps);
  const representation: Array<readonly [string, string]> = [['Content-Type', description.contentType]];
  if (description.language !== undefined) representation.push(['Content-Language', description.language]);
  if (description.encoding !== undefined) representation.push(['Content-Encoding', description.encoding]);
  const validators = fileValidators(stats);
  const validatorFields: Array<readonly [string, string]> = [
    ['Last-Modified', formatHttpDate(validators.lastModified)],
    ['ETag', validators.etag],
  ];
  return {
    kind: 'file',
    fsPath: real,
    stats,
    validators,
    contentType: description.contentType,
    representation,
    validatorFields,
    fullResponseFields: formatHeaderBlock([...representation, ...validatorFields, ['Accept-Ranges', 'bytes']]),
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

export class FileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<CachedTarget>>();
  private bodyBytes = 0;

  constructor(private readonly options: FileCacheOptions) {}

  /** The cached target for a key if it was checked within the freshness window; no I/O. */
  peek(key: string, now = Date.now()): CachedTarget | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || now - entry.checkedAt >= this.options.freshnessMs) return undefined;
    return entry.target;
  }

  /** Resolves `segments` (decoded, dot segments removed) under the root, using the cache. */
  lookup(key: string, segments: readonly string[]): Promise<CachedTarget> {
    const fresh = this.peek(key);
    if (fresh !== undefined) return Promise.resolve(fresh);
    let pending = this.loading.get(key);
    if (pending === undefined) {
      pending = this.refresh(key, segments).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async refresh(key: string, segments: readonly string[]): Promise<CachedTarget> {
    if (segments.includes(this.options.hiddenName)) throw new HttpError(404, 'The requested resource does not exist on this server.');
    const fsPath = join(this.options.root, ...segments);
    const previous = this.entries.get(key);
    const checkedAt = Date.now();
    let target: CachedTarget;
    try {
      const real = await realpath(fsPath);
      if (!isInside(this.options.root, real)) {
        throw new HttpError(403, 'The requested path is a symbolic link that leads outside the document root.');
      }
      const stats = await stat(real);
      if (previous?.target.kind === 'file' && previous.target.fsPath === real && sameFile(previous.target.stats, stats)) {
        target = previous.target;
      } else if (stats.isFile()) {
        target = await this.loadFile(real, stats);
      } else if (stats.isDirectory()) {
        target = { kind: 'directory', fsPath: real, stats };
      } else {
        throw new HttpError(403, 'The requested path is not a regular file or directory.');
      }
    } catch (error) {
      if (error instanceof HttpError) {
        this.forget(key);
        throw error;
      }
      target = this.classifyFsError(error, fsPath, key);
    }
    this.remember(key, target, checkedAt);
    return target;
  }

  private classifyFsError(error: unknown, fsPath: string, key: string): CachedTarget {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return { kind: 'missing', fsPath };
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

  private remember(key: string, target: CachedTarget, checkedAt: number): void {
    this.forget(key);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.forget(oldest.value);
    }
    if (target.kind === 'file' && target.body !== undefined) {
      // Keep within the memory budget by dropping the oldest entries first.
      for (const [k, entry] of this.entries) {
        if (this.bodyBytes + target.body.length <= this.options.memoryBudgetBytes) break;
        if (entry.target.kind === 'file' && entry.target.body !== undefined) this.forget(k);
      }
      this.bodyBytes += target.body.length;
    }
    this.entries.set(key, { target, checkedAt });
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    if (entry.target.kind === 'file' && entry.target.body !== undefined) this.bodyBytes -= entry.target.body.length;
    this.entries.delete(key);
  }
}
