/**
 * Directories (http.md section 4): the trailing-slash redirect, index documents, and the
 * generated listing.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HTML_TYPE } from '../http/error-page.js';
import type { HttpResponse } from '../http/response.js';
import { renderDirectoryListing, type ListingEntry } from './directory-listing.js';
import { redirectResponse } from './redirects.js';
import type { RequestPath } from './url-path.js';

/** RFC 9110 section 15.4.2: `/dir` -> 301 `/dir/`, keeping the query. */
export function trailingSlashRedirect(requestPath: RequestPath): HttpResponse {
  const location = `${requestPath.rawPath}/${requestPath.query !== undefined ? `?${requestPath.query}` : ''}`;
  return redirectResponse(301, location);
}

/** Names a listing never shows: the auth control file and PUT's temporary files. */
export function isHiddenEntry(name: string, authFileName: string): boolean {
  return name === authFileName || name.startsWith('.porta-upload-');
}

export async function listingResponse(dirPath: string, urlPath: string, authFileName: string): Promise<HttpResponse> {
  const names = await readdir(dirPath);
  const entries: ListingEntry[] = [];
  await Promise.all(
    names
      .filter((name) => !isHiddenEntry(name, authFileName))
      .map(async (name) => {
        try {
          const stats = await stat(join(dirPath, name));
          entries.push({ name, isDirectory: stats.isDirectory(), size: stats.size, modified: stats.mtime });
        } catch {
          // A dangling link or a file removed meanwhile is simply not listed.
        }
      }),
  );
  return {
    status: 200,
    headers: [['Content-Type', HTML_TYPE]],
    body: { kind: 'generated', data: Buffer.from(renderDirectoryListing(urlPath, entries), 'utf8') },
  };
}
