/** Questions about a request's fields that several stages ask. */
import type { Fields } from '../http/fields.js';

/**
 * Whether any conditional (If-*) or Range field is present: the common request has none, and
 * then preconditions and ranges need no evaluation at all.
 */
export function hasConditionalOrRange(fields: Fields): boolean {
  return fields.conditional;
}
