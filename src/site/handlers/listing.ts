/**
 * Handler `listing`: a directory without an index document. Named without its trailing
 * slash it is redirected to it (relative links in the listing need the slash); with it, the
 * generated listing of what GET would serve there.
 */
import { listingResponse, trailingSlashRedirect } from '../directory.js';
import type { DirectoryResource } from '../resource.js';
import type { Handler } from './handler.js';

export const listingHandler: Handler<DirectoryResource> = {
  name: 'listing',
  handle(ctx, resource) {
    const path = resource.path;
    if (!path.path.endsWith('/')) return trailingSlashRedirect(path);
    const fsPath = resource.directory.fsPath;
    const directories = ctx.site.cache.directories;
    const cached = directories.peek(fsPath);
    if (cached !== undefined) return listingResponse(cached, path.path, directories);
    return directories.read(fsPath).then((contents) => listingResponse(contents, path.path, directories));
  },
};
