/**
 * Following redirects (-L): which responses redirect, where to, with which method, and
 * which of the user's fields may come along (RFC 9110 §15.4).
 */
import { ClientFailure } from './client-failure.js';
import type { HttpField, ResponseHead } from './http-message.js';
import { sameOrigin } from './http-target.js';

export const MAX_REDIRECTS = 10;

/** 300 and 304 carry a Location too, but are not instructions to go there. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Fields that identify the user to one origin and must not leak to another. */
const ORIGIN_BOUND_FIELDS = new Set(['authorization', 'cookie', 'proxy-authorization', 'host']);

/**
 * The URL a response redirects to, or undefined when it does not redirect. RFC 9110
 * §10.2.2: Location may be relative and is resolved against the request's URL.
 */
export function redirectTarget(head: ResponseHead, requestUrl: URL): URL | undefined {
  if (!REDIRECT_STATUSES.has(head.status)) return undefined;
  const location = head.fields.find((field) => field.name.toLowerCase() === 'location')?.value;
  if (location === undefined || location === '') return undefined;
  try {
    return new URL(location, requestUrl);
  } catch {
    throw new ClientFailure(`${head.status} redirect to an invalid Location '${location}'`);
  }
}

/**
 * RFC 9110 §15.4.4: 303 means "GET the other resource" (HEAD stays HEAD). §15.4.2/3: after
 * 301/302 user agents historically turn POST into GET, and so do we; 307/308 keep it.
 */
export function redirectMethod(status: number, method: string): string {
  if (status === 303 && method !== 'HEAD') return 'GET';
  if ((status === 301 || status === 302) && method === 'POST') return 'GET';
  return method;
}

/** The user's fields for the next request: credentials stay with their origin. */
export function redirectFields(fields: readonly HttpField[], from: URL, to: URL): HttpField[] {
  if (sameOrigin(from, to)) return [...fields];
  return fields.filter((field) => !ORIGIN_BOUND_FIELDS.has(field.name.toLowerCase()));
}
