/** Filesystem path helpers shared by the caches and content handlers. */
import { sep } from 'node:path';

/** True when `candidate` (absolute, symlink-free) is `root` or below it. */
export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}
