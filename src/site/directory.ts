/**
 * Directories (docs/serve.md, URLs, files and media types): the trailing-slash redirect and the generated listing
 * (index documents are found by the resolve stage).
 */
import { Readable } from 'node:stream';
import { HTML_TYPE } from '../http/error-page.js';
import type { HeaderList, HttpResponse } from '../http/response.js';
import type { DirectoryContents } from './directory-cache.js';
import { listingPieces, type ListingClock } from './listing-stream.js';
import { redirectResponse } from './redirects.js';
import type { RequestPath } from './url-path.js';

/** RFC 9110 section 15.4.2: `/dir` -> 301 `/dir/`, keeping the query. */
export function trailingSlashRedirect(requestPath: RequestPath): HttpResponse {
  const location = `${requestPath.rawPath}/${requestPath.query !== undefined ? `?${requestPath.query}` : ''}`;
  return redirectResponse(301, location);
}

/**
 * Folders with more entries than this are listed as a stream (chunked, or delimited by the
 * close for HTTP/1.0); smaller ones are made whole first, so their answer is framed as
 * before (chunked to HTTP/1.1, Content-Length to HTTP/1.0).
 */
export const STREAMED_LISTING_ENTRIES = 1000;

/** The listing page of a directory's contents (hidden names are already left out). */
export function listingResponse(contents: DirectoryContents, urlPath: string, clock: ListingClock): HttpResponse | Promise<HttpResponse> {
  const headers: HeaderList = [['Content-Type', HTML_TYPE]];
  if (contents.entries.length > STREAMED_LISTING_ENTRIES) {
    return {
      status: 200,
      headers,
      body: { kind: 'stream', length: undefined, open: () => Readable.from(listingPieces(contents, urlPath, clock), { objectMode: false }) },
    };
  }
  return wholePage(listingPieces(contents, urlPath, clock)).then((data) => ({ status: 200, headers, body: { kind: 'generated', data } }));
}

async function wholePage(pieces: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of pieces) parts.push(piece);
  return Buffer.concat(parts);
}
