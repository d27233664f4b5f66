/**
 * Content handler `delete` (docs/serve.md, uploads, RFC 9110 section 9.3.5): removes the file the
 * path names; 200 with a page, 404 when there is none. Directories never get this far (the
 * permission stage does not grant DELETE on them), and the control file and upload
 * temporaries are not found by any path, so neither can be deleted over HTTP.
 */
import { unlink } from 'node:fs/promises';
import { realPath } from '../real-path.js';
import { basename, dirname, join } from 'node:path';
import { statusPageResponse } from '../../http/error-page.js';
import { HttpError } from '../../http/http-error.js';
import type { HttpResponse } from '../../http/response.js';
import type { RequestContext } from '../context.js';
import { NOT_FOUND_RESPONSE } from '../not-found.js';
import { isInside } from '../paths.js';
import type { Resource } from '../resource.js';
import type { Handler } from './handler.js';

export const deleteHandler: Handler = {
  name: 'delete',
  handle: (ctx, resource) => remove(ctx, resource),
};

async function remove(ctx: RequestContext, resource: Resource): Promise<HttpResponse> {
  const path = resource.path;
  const target = resource.requested;
  if (target.kind === 'directory') throw new HttpError(409, `${path.path} is a directory; DELETE removes files only.`);
  if (target.kind !== 'file' || resource.trailingPath !== '' || path.path.endsWith('/')) return NOT_FOUND_RESPONSE;
  ctx.releaseSource();
  // The name the URL gives is removed: a symbolic link there goes, not the file it leads to.
  const root = ctx.site.config.root;
  const named = join(root, ...path.segments);
  let removed: string | undefined;
  try {
    const directory = await realPath(dirname(named));
    if (!isInside(root, directory)) throw new HttpError(403, 'The requested path is a symbolic link that leads outside the document root.');
    removed = join(directory, basename(named));
    await unlink(removed);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return NOT_FOUND_RESPONSE;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new HttpError(403, `The server is not permitted to delete ${path.path}.`, { cause: error });
    throw error;
  } finally {
    if (removed !== undefined) ctx.site.cache.invalidate(removed);
    ctx.site.cache.invalidate(target.fsPath);
  }
  return statusPageResponse(200, `Deleted ${path.path}.`);
}
