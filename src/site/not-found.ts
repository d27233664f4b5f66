/**
 * The one 404 of the site: its message, and the response built once (scanners and typos make
 * a missing file a hot path of its own, so it is answered, not thrown, where it can be).
 */
import { statusPageResponse } from '../http/error-page.js';
import { HttpError } from '../http/http-error.js';

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist on this server.';
export const NOT_FOUND_RESPONSE = statusPageResponse(404, NOT_FOUND_MESSAGE);

/** The 404 as an error, for code that has to throw (inside a cache load). */
export function notFoundError(): HttpError {
  return new HttpError(404, NOT_FOUND_MESSAGE);
}
