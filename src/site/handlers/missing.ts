/** Handler `missing`: nothing to serve: 404. */
import { NOT_FOUND_RESPONSE } from '../not-found.js';
import type { MissingResource } from '../resource.js';
import type { Handler } from './handler.js';

export const missingHandler: Handler<MissingResource> = {
  name: 'missing',
  handle: () => NOT_FOUND_RESPONSE,
};
