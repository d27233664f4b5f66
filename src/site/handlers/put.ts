/**
 * Handler `put` (docs/serve.md, uploads, RFC 9110 section 9.3.4): the request content
 * becomes the file the path maps to. It is streamed (with backpressure, never held whole in
 * memory) into a temporary file beside the target, flushed to disk, and renamed over the
 * target, so readers see the old file or the new one and nothing in between. An aborted,
 * oversized (413) or failed upload, or a server stop mid-body, removes the temporary file and
 * leaves the old version as it was. The temporary name is one the file cache never serves or
 * lists (hidden-names.ts).
 *
 * 201 Created with Location for a new file, 200 OK for a replaced one; 409 onto a directory
 * or through a file; 404 into a directory that does not exist.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { realPath } from '../real-path.js';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { statusPageResponse } from '../../http/error-page.js';
import { HttpError } from '../../http/http-error.js';
import { BodyError } from '../../http/request-body.js';
import type { HttpResponse } from '../../http/response.js';
import type { RequestContext } from '../context.js';
import type { Resource } from '../resource.js';
import { UPLOAD_TEMP_PREFIX } from '../hidden-names.js';
import { isInside } from '../paths.js';
import { encodePath } from '../url-path.js';
import type { Handler } from './handler.js';

/** NAME_MAX of Linux and the BSDs: a longer name cannot be created (Apache answers 403). */
const MAX_NAME_BYTES = 255;

export const putHandler: Handler = {
  name: 'put',
  handle: (ctx, resource) => put(ctx, resource),
};

async function put(ctx: RequestContext, resource: Resource): Promise<HttpResponse> {
  const path = resource.path;
  const target = resource.requested;
  const request = ctx.request;
  if (path.path.endsWith('/') || target?.kind === 'directory') {
    throw new HttpError(409, `${path.path} is a directory; PUT writes files only.`);
  }
  if ((target.kind === 'file' && resource.trailingPath !== '') || (target.kind === 'missing' && target.reason === 'not-a-directory')) {
    throw new HttpError(409, `A part of ${path.path} before its last segment is a file, not a directory.`);
  }
  // RFC 9110 section 15.5.12: the content's length must be known (a length or chunked).
  if (!request.body.present && !request.fields.has('content-length')) {
    throw new HttpError(411, 'A PUT request needs a Content-Length (or chunked Transfer-Encoding).');
  }
  // RFC 9110 section 14.5: a partial PUT is refused, or the fragment would replace the file.
  if (request.fields.has('content-range')) {
    throw new HttpError(400, 'A PUT with Content-Range (a partial update) is not supported; send the whole file.');
  }
  // The file goes where the URL names it (a symbolic link there is replaced, not followed),
  // in the real directory, which must lie inside the root.
  const root = ctx.site.config.root;
  const named = join(root, ...path.segments);
  if (Buffer.byteLength(basename(named)) > MAX_NAME_BYTES) {
    throw new HttpError(403, `The name ${basename(path.path)} is longer than the file system allows (${MAX_NAME_BYTES} bytes).`);
  }
  const directory = await existingDirectory(dirname(named), dirname(path.path), root);
  const temp = join(directory, `${UPLOAD_TEMP_PREFIX}${randomBytes(12).toString('hex')}`);
  const destination = join(directory, basename(named));
  const forget = (): void => {
    ctx.site.cache.invalidate(destination);
    if (target.kind === 'file' && target.fsPath !== destination) ctx.site.cache.invalidate(target.fsPath);
  };
  let existed: boolean;
  let bytes: number;
  try {
    bytes = await receive(request.body.stream(), temp);
    existed = await isRegularFile(destination);
    await rename(temp, destination);
  } catch (error) {
    await rm(temp, { force: true });
    forget();
    throw asHttpError(error, path.path);
  }
  forget();
  const message = `${existed ? 'Replaced' : 'Created'} ${path.path} (${bytes} bytes).`;
  if (existed) return statusPageResponse(200, message);
  return statusPageResponse(201, message, { headers: [['Location', encodePath(path.path)]] });
}

/** The real directory a new file goes into: it must exist and lie inside the root. */
async function existingDirectory(fsDirectory: string, urlDirectory: string, root: string): Promise<string> {
  let real: string;
  try {
    real = await realPath(fsDirectory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HttpError(404, `The directory ${withSlash(urlDirectory)} does not exist; PUT does not create directories.`);
    if (code === 'ENOTDIR') throw new HttpError(409, `${urlDirectory} is a file, not a directory.`);
    throw error;
  }
  if (!isInside(root, real)) throw new HttpError(403, 'The requested path is a symbolic link that leads outside the document root.');
  return real;
}

function withSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

/** Streams the content into a new file at `temp` and flushes it to disk; resolves with its size. */
async function receive(body: Readable, temp: string): Promise<number> {
  const handle = await open(temp, 'wx', 0o644);
  let bytes = 0;
  try {
    // One write at a time: the body is read no faster than the disk takes it.
    for await (const chunk of body as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
      bytes += chunk.length;
    }
    // Durable before it replaces anything: a crash after the rename finds whole content.
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes;
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) throw new HttpError(409, 'The target became a directory while the content was being received.');
    return stats.isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** What the client is told: the body's own status (413, 400, 408), or why the disk refused. */
function asHttpError(error: unknown, urlPath: string): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof BodyError) return error.httpError;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new HttpError(507, `There is not enough space to store ${urlPath}; the previous version is unchanged.`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new HttpError(403, `The server is not permitted to write ${urlPath}.`, { cause: error });
  if (code === 'ENAMETOOLONG') return new HttpError(403, `The name ${urlPath} is longer than the file system allows.`);
  if (code === 'EISDIR') return new HttpError(409, `${urlPath} is a directory; PUT writes files only.`);
  return new HttpError(500, `${urlPath} could not be stored; the previous version is unchanged.`, { cause: error });
}
