/**
 * Names porta never serves, lists or negotiates (docs/serve.md, URLs, files and media types): the auth control file
 * of each directory and PUT's temporary upload files. They are judged by the name of the
 * file a path resolves to, so no spelling of a path and no symbolic link reaches them.
 */

/** PUT writes to `.porta-upload-<random>` beside the target, then renames it into place. */
export const UPLOAD_TEMP_PREFIX = '.porta-upload-';

export function isHiddenName(name: string, authFileName: string): boolean {
  return name === authFileName || name.startsWith(UPLOAD_TEMP_PREFIX);
}

/** `--dotfiles`: names starting with '.' are refused (404) and unlisted, or served like others. */
export type DotfilePolicy = 'deny' | 'allow';

/** The one dot directory always served, at the root (RFC 8615 well-known URIs). */
export const WELL_KNOWN = '.well-known';

/**
 * Whether a path (segments relative to the root) passes through a dotfile or dot directory
 * that the policy refuses; `/.well-known/` at the root is always allowed.
 */
export function isDotPath(segments: readonly string[], policy: DotfilePolicy): boolean {
  if (policy === 'allow') return false;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment.charCodeAt(0) === 0x2e /* . */ && !(i === 0 && segment === WELL_KNOWN)) return true;
  }
  return false;
}
