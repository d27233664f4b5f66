/**
 * Maps a decoded URL path to a file system object under the document root (http.md
 * section 4). Symbolic links are followed only while they stay inside the root.
 */
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { HttpError } from '../http/http-error.js';

export type ResolvedTarget =
  | { readonly kind: 'file' | 'directory'; readonly fsPath: string; readonly stats: Stats }
  | { readonly kind: 'missing'; readonly fsPath: string };

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Resolves `segments` (decoded, dot segments already removed) below `root`. Missing paths
 * resolve to 'missing'; links out of the root, unreadable paths and special files throw 403.
 */
export async function resolveTarget(root: string, segments: readonly string[], hiddenName: string): Promise<ResolvedTarget> {
  if (segments.includes(hiddenName)) throw new HttpError(404, 'The requested resource does not exist on this server.');
  const fsPath = join(root, ...segments);
  let real: string;
  try {
    real = await realpath(fsPath);
  } catch (error) {
    return classifyFsError(error, fsPath);
  }
  if (!isInside(root, real)) {
    throw new HttpError(403, 'The requested path is a symbolic link that leads outside the document root.');
  }
  let stats: Stats;
  try {
    stats = await stat(real);
  } catch (error) {
    return classifyFsError(error, fsPath);
  }
  if (stats.isFile()) return { kind: 'file', fsPath: real, stats };
  if (stats.isDirectory()) return { kind: 'directory', fsPath: real, stats };
  throw new HttpError(403, 'The requested path is not a regular file or directory.');
}

function classifyFsError(error: unknown, fsPath: string): ResolvedTarget {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return { kind: 'missing', fsPath };
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') {
    throw new HttpError(403, 'The server is not permitted to read the requested path.', { cause: error });
  }
  throw error;
}
