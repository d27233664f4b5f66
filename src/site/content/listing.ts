/**
 * Content handler `listing`: a directory without an index document. Named without its
 * trailing slash it is redirected to it (relative links in the listing need the slash);
 * with it, the generated listing of what GET would serve there.
 */
import type { RequestPath } from '../url-path.js';
import { listingResponse, trailingSlashRedirect } from '../directory.js';
import type { ContentHandler } from './handler.js';

export const listingContent: ContentHandler = {
  name: 'listing',
  accepts: (ctx) => ctx.target?.kind === 'directory',
  handle(ctx) {
    const path = ctx.path as RequestPath;
    if (!path.path.endsWith('/')) return trailingSlashRedirect(path);
    const fsPath = (ctx.target as { fsPath: string }).fsPath;
    const directories = ctx.site.cache.directories;
    const cached = directories.peek(fsPath);
    if (cached !== undefined) return listingResponse(cached, path.path, directories);
    return directories.read(fsPath).then((contents) => listingResponse(contents, path.path, directories));
  },
};
