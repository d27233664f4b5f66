/** Filesystem path helpers shared by the caches and content handlers. */
import { sep } from 'node:path';

/** True when `candidate` (absolute, symlink-free) is `root` or below it. */
export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The system's error `code` says nothing is at the path: ENOENT, or ENAMETOOLONG (a name
 * longer than the file system allows cannot exist; nginx answers both with 404).
 */
export function namesNothing(code: string | undefined): boolean {
  return code === 'ENOENT' || code === 'ENAMETOOLONG';
}
