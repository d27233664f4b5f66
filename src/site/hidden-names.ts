/**
 * Names porta never serves, lists or negotiates (http.md section 4): the auth control file
 * of each directory and PUT's temporary upload files. They are judged by the name of the
 * file a path resolves to, so no spelling of a path and no symbolic link reaches them.
 */

/** PUT writes to `.porta-upload-<random>` beside the target, then renames it into place. */
export const UPLOAD_TEMP_PREFIX = '.porta-upload-';

export function isHiddenName(name: string, authFileName: string): boolean {
  return name === authFileName || name.startsWith(UPLOAD_TEMP_PREFIX);
}
