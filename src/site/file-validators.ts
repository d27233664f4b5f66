/**
 * The validators of a stored file (RFC 9110 section 8.8): a strong ETag that changes
 * whenever the file does, and Last-Modified in whole seconds.
 */
import type { Stats } from 'node:fs';
import type { Validators } from './preconditions.js';

/**
 * Inode, size and modification time in microseconds: stable while the file is unchanged,
 * different after an edit (mtime/size) or an atomic replace (inode).
 */
export function strongEtag(stats: Stats): string {
  const micros = Math.round(stats.mtimeMs * 1000);
  return `"${stats.ino.toString(16)}-${stats.size.toString(16)}-${micros.toString(16)}"`;
}

export function fileValidators(stats: Stats): Validators {
  return { etag: strongEtag(stats), lastModified: new Date(Math.floor(stats.mtimeMs / 1000) * 1000) };
}
