/**
 * Phase `content`: the first content handler that accepts the request serves it. The order
 * is data: PUT and DELETE (which act on the path whatever is there), CGI programs, then the
 * selected file (handed on to the range phase), a directory, and finally nothing (404).
 */
import { cgiContent } from '../content/cgi.js';
import { deleteContent } from '../content/delete.js';
import { fileContent } from '../content/file.js';
import type { ContentHandler } from '../content/handler.js';
import { listingContent } from '../content/listing.js';
import { missingContent } from '../content/missing.js';
import { putContent } from '../content/put.js';
import type { Phase } from '../pipeline.js';

export const CONTENT_HANDLERS: readonly ContentHandler[] = [putContent, deleteContent, cgiContent, fileContent, listingContent, missingContent];

export const contentPhase: Phase = {
  name: 'content',
  run(ctx) {
    for (const handler of CONTENT_HANDLERS) {
      if (handler.accepts(ctx)) return handler.handle(ctx);
    }
    return undefined;
  },
};
