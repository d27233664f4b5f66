/**
 * The plain-HTTP listener of `--redirect-http PORT`: every request is sent to the same host
 * and path over HTTPS. GET and HEAD get 301 (what every client follows); other methods get
 * 308 (RFC 9110 section 15.4.9), which keeps the method and body, so a form posted to the
 * http:// URL is not silently turned into a GET.
 */
import type { RequestHandler } from '../http/handler.js';
import { HttpError } from '../http/http-error.js';
import { redirectResponse } from './redirects.js';

/** uri-host [":" port] (RFC 9110 section 7.2): a name, an IPv4 address or a bracketed IPv6 one. */
const AUTHORITY = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(?::\d*)?$/;

export function createHttpsRedirectHandler(httpsPort: number): RequestHandler {
  const portSuffix = httpsPort === 443 ? '' : `:${httpsPort}`;
  return (request) => {
    const authority = request.authority;
    // HTTP/1.0 may omit Host: the address the client reached is the best name there is.
    const local = request.peer.localAddress;
    const fallback = local.includes(':') ? `[${local}]` : local;
    const match = authority === undefined ? undefined : AUTHORITY.exec(authority);
    if (authority !== undefined && match === null) throw new HttpError(400, 'The Host field is not a valid host name.');
    const host = match?.[1] ?? fallback;
    const path = request.pathAndQuery === '*' ? '/' : request.pathAndQuery;
    const status = request.method === 'GET' || request.method === 'HEAD' ? 301 : 308;
    return redirectResponse(status, `https://${host}${portSuffix}${path}`);
  };
}
