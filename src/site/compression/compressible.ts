/**
 * Which media types are worth compressing: what mime-db marks `compressible` (text, JSON,
 * JavaScript, XML, SVG, fonts such as TTF...), and any text/* or +json/+xml type it does not
 * list. Already compressed formats (images, video, archives, woff2) are not.
 */
import mimeDb from 'mime-db';

const memo = new Map<string, boolean>();

/** `contentType` is a Content-Type value; its parameters (charset) are ignored. */
export function isCompressibleType(contentType: string): boolean {
  const known = memo.get(contentType);
  if (known !== undefined) return known;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  const entry = (mimeDb as Record<string, { compressible?: boolean } | undefined>)[type];
  const compressible = entry?.compressible ?? (type.startsWith('text/') || type.endsWith('+json') || type.endsWith('+xml'));
  if (memo.size < 1024) memo.set(contentType, compressible);
  return compressible;
}
