/**
 * Which methods porta implements and which a resource permits (RFC 9110 section 9,
 * docs/protocol.md).
 */
import { HttpError } from '../http/http-error.js';
import type { HttpResponse } from '../http/response.js';

/** Every method the server implements; anything else is 501 (RFC 9110 section 9.1). */
export const IMPLEMENTED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'] as const;

export function isImplementedMethod(method: string): boolean {
  return (IMPLEMENTED_METHODS as readonly string[]).includes(method);
}

/** What a resource permits: the safe methods always, TRACE when enabled, more where granted. */
export interface Permissions {
  readonly trace: boolean;
  readonly post?: boolean;
  readonly put?: boolean;
  readonly delete?: boolean;
}

export function allowedMethods(permissions: Permissions): string[] {
  const allowed = ['GET', 'HEAD'];
  if (permissions.post) allowed.push('POST');
  if (permissions.put) allowed.push('PUT');
  if (permissions.delete) allowed.push('DELETE');
  allowed.push('OPTIONS');
  if (permissions.trace) allowed.push('TRACE');
  return allowed;
}

/** 405 with the Allow field that does apply (RFC 9110 section 15.5.6). */
export function methodNotAllowed(method: string, permissions: Permissions): HttpError {
  return new HttpError(405, `The method ${method} is not allowed for this resource.`, {
    headers: [['Allow', allowedMethods(permissions).join(', ')]],
  });
}

/** OPTIONS (RFC 9110 section 9.3.7): 200, no content, and what the resource permits. */
export function optionsResponse(permissions: Permissions): HttpResponse {
  return { status: 200, headers: [['Allow', allowedMethods(permissions).join(', ')]], body: { kind: 'none' } };
}
