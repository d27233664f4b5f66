/** Content handler `missing`: nothing to serve: 404. */
import { NOT_FOUND_RESPONSE } from '../not-found.js';
import type { ContentHandler } from './handler.js';

export const missingContent: ContentHandler = {
  name: 'missing',
  accepts: () => true,
  handle: () => NOT_FOUND_RESPONSE,
};
