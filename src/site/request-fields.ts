/** Questions about a request's fields that several phases ask. */
import type { Fields } from '../http/fields.js';

/**
 * Whether any conditional (If-*) or Range field is present: the common request has none, and
 * then preconditions and ranges need no evaluation at all.
 */
export function hasConditionalOrRange(fields: Fields): boolean {
  const list = fields.list;
  for (let i = 0; i < list.length; i++) {
    const name = (list[i] as [string, string])[0];
    if (name === 'range' || (name.charCodeAt(0) === 0x69 /* i */ && name.startsWith('if-'))) return true;
  }
  return false;
}
