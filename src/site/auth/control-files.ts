/**
 * Which control file governs a directory: the nearest one up the tree, to the document root
 * (docs/serve.md, authentication). Answers are cached per directory and trusted for the file cache's
 * freshness window; after that the next request walks up again (one stat per level) and a
 * control file whose stats changed is re-read. So a request in a directory already seen costs
 * one map lookup, and an edited, added or removed control file takes effect within the window.
 *
 * A malformed or unreadable control file governs as a refusal (500): its problem is reported
 * once, with file and line, when it is read.
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isInside, namesNothing } from '../paths.js';
import { prepareBcryptThread } from './bcrypt-thread.js';
import { ControlFileError, parseControlFile, type AuthRules } from './control-file.js';

/** A control file as read: its rules, or why it cannot be used. */
export interface ControlFile {
  readonly path: string;
  readonly rules: AuthRules | undefined;
  readonly problem: Error | undefined;
}

/** Why a control file cannot be used: one line for the error output (no stack: it is not a bug). */
export class ControlFileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'auth control file';
    this.stack = `${this.name}: ${message}`;
  }
}

/** The control file that governs a directory, or null when none does. */
export type Governing = ControlFile | null;

export interface ControlFilesOptions {
  readonly root: string;
  readonly fileName: string;
  readonly freshnessMs: number;
  readonly maxDirectories: number;
  readonly report: (error: Error) => void;
  /** The clock freshness is judged by (Date.now; tests pass their own to skip time). */
  readonly clock?: () => number;
}

/** What is known of a directory: its governing file, and when that was checked. */
export interface DirectoryEntry {
  readonly governing: Governing;
  readonly checkedAt: number;
}

interface LoadedFile {
  readonly stats: Stats;
  readonly file: ControlFile;
}

export class ControlFiles {
  private readonly directories = new Map<string, DirectoryEntry>();
  private readonly loading = new Map<string, Promise<Governing>>();
  private readonly files = new Map<string, LoadedFile>();

  private readonly clock: () => number;

  constructor(private readonly options: ControlFilesOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** The governing file of `dir` if it was checked within the freshness window; no I/O. */
  peek(dir: string, now = this.clock()): Governing | undefined {
    return this.peekEntry(dir, now)?.governing;
  }

  /** Like peek(), the entry itself (callers may keep it beside a target and check isFresh). */
  peekEntry(dir: string, now: number): DirectoryEntry | undefined {
    const entry = this.directories.get(dir);
    return entry !== undefined && this.isFresh(entry, now) ? entry : undefined;
  }

  isFresh(entry: DirectoryEntry, now: number): boolean {
    return now - entry.checkedAt < this.options.freshnessMs;
  }

  lookup(dir: string): Promise<Governing> {
    let pending = this.loading.get(dir);
    if (pending === undefined) {
      pending = this.walk(dir).finally(() => this.loading.delete(dir));
      this.loading.set(dir, pending);
    }
    return pending;
  }

  /** Forgets every answer, so the next request looks again (a control file porta wrote). */
  invalidate(): void {
    this.directories.clear();
  }

  private async walk(dir: string): Promise<Governing> {
    const checkedAt = this.clock();
    const root = this.options.root;
    let governing: Governing = null;
    let current = isInside(root, dir) ? dir : root;
    for (;;) {
      const found = await this.load(join(current, this.options.fileName));
      if (found !== undefined) {
        governing = found;
        break;
      }
      if (current === root) break;
      current = dirname(current);
    }
    if (this.directories.size >= this.options.maxDirectories) this.directories.clear();
    this.directories.set(dir, { governing, checkedAt });
    return governing;
  }

  /** The control file at `path`, re-read only when its stats changed; undefined when there is none. */
  private async load(path: string): Promise<ControlFile | undefined> {
    let stats: Stats;
    try {
      stats = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No control file there: none, a file where a directory would be, or a directory name
      // too long to exist (the request then ends as the file cache's 404).
      if (namesNothing(code) || code === 'ENOTDIR') {
        this.files.delete(path);
        return undefined;
      }
      return this.refuse(path, undefined, new ControlFileProblem(`${path}: cannot be examined (${code ?? String(error)}); the directory is refused`));
    }
    const known = this.files.get(path);
    if (known !== undefined && sameStats(known.stats, stats)) return known.file;
    if (!stats.isFile()) return this.refuse(path, stats, new ControlFileProblem(`${path}: is not a regular file; the directory is refused`));
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      return this.refuse(path, stats, new ControlFileProblem(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); the directory is refused`));
    }
    try {
      const file: ControlFile = { path, rules: parseControlFile(text, path), problem: undefined };
      this.files.set(path, { stats, file });
      // The stand-in is bcrypt exactly when some line is: the first check will want the thread.
      if (file.rules?.standIn.kind === 'bcrypt') prepareBcryptThread();
      return file;
    } catch (error) {
      if (!(error instanceof ControlFileError)) throw error;
      return this.refuse(path, stats, new ControlFileProblem(`${error.message} (the directory is refused until this is fixed)`));
    }
  }

  private refuse(path: string, stats: Stats | undefined, problem: Error): ControlFile {
    const file: ControlFile = { path, rules: undefined, problem };
    if (stats !== undefined) this.files.set(path, { stats, file });
    else this.files.delete(path);
    this.options.report(problem);
    return file;
  }
}

function sameStats(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.dev === b.dev;
}
