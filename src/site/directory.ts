/**
 * Directories (docs/serve.md, URLs, files and media types): the trailing-slash redirect and the generated listing
 * (index documents are found by the resolve phase).
 */
import { HTML_TYPE } from '../http/error-page.js';
import type { HttpResponse } from '../http/response.js';
import type { DirectoryContents } from './directory-cache.js';
import { renderDirectoryListing, type ListingEntry } from './directory-listing.js';
import { redirectResponse } from './redirects.js';
import type { RequestPath } from './url-path.js';

/** RFC 9110 section 15.4.2: `/dir` -> 301 `/dir/`, keeping the query. */
export function trailingSlashRedirect(requestPath: RequestPath): HttpResponse {
  const location = `${requestPath.rawPath}/${requestPath.query !== undefined ? `?${requestPath.query}` : ''}`;
  return redirectResponse(301, location);
}

/** The listing page of a directory's contents (hidden names are already left out). */
export function listingResponse(contents: DirectoryContents, urlPath: string): HttpResponse {
  const entries: ListingEntry[] = contents.entries.map((entry) => ({
    name: entry.name,
    isDirectory: entry.kind === 'directory',
    size: entry.size,
    modified: entry.modified,
  }));
  return {
    status: 200,
    headers: [['Content-Type', HTML_TYPE]],
    body: { kind: 'generated', data: Buffer.from(renderDirectoryListing(urlPath, entries), 'utf8') },
  };
}
