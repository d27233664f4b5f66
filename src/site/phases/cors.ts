/**
 * Phase `cors` (`--cors`): Cross-Origin Resource Sharing as the Fetch standard defines it,
 * for a public site: every answer, whatever its status, says `Access-Control-Allow-Origin: *`
 * (so scripts on other origins can read errors too), and exposes the fields a script may want
 * beyond the safelisted ones. A preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) is answered here, before authentication, because browsers
 * never send credentials on a preflight; the real request that follows is authenticated and
 * judged as usual (405, 401...). With `*`, browsers send no cookies or credentials on
 * cross-origin requests: protected folders are for same-origin use.
 */
import type { HeaderList, HttpResponse } from '../../http/response.js';
import { isToken, splitList, trimOws } from '../../http/syntax.js';
import type { Phase } from '../pipeline.js';

const ALLOW_ORIGIN: readonly [string, string] = ['Access-Control-Allow-Origin', '*'];
const EXPOSE: readonly [string, string] = [
  'Access-Control-Expose-Headers',
  'Content-Encoding, Content-Language, Content-Location, Content-Range, ETag, Location, Retry-After, TCN, Alternates, Authentication-Info, WWW-Authenticate',
];
/** Every method porta implements; the real request is still refused where it does not apply. */
const ALLOW_METHODS: readonly [string, string] = ['Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, DELETE, OPTIONS'];
/** Browsers may cache this preflight answer for a day (Chromium caps it at two hours). */
const MAX_AGE: readonly [string, string] = ['Access-Control-Max-Age', '86400'];

export const corsPhase: Phase = {
  name: 'cors',
  run(ctx) {
    if (!ctx.site.config.cors) return undefined;
    const request = ctx.request;
    ctx.addField(ALLOW_ORIGIN[0], ALLOW_ORIGIN[1]);
    if (request.method !== 'OPTIONS' || !request.fields.has('origin') || !request.fields.has('access-control-request-method')) {
      ctx.addField(EXPOSE[0], EXPOSE[1]);
      return undefined;
    }
    return preflightResponse(request.fields.get('access-control-request-headers'));
  },
};

/** 204 with what may be sent; requested header names are echoed when they are valid tokens. */
function preflightResponse(requestedHeaders: string | undefined): HttpResponse {
  const headers: Array<readonly [string, string]> = [ALLOW_METHODS, MAX_AGE];
  if (requestedHeaders !== undefined) {
    const names = splitList(requestedHeaders).map(trimOws).filter((name) => name !== '' && isToken(name));
    if (names.length > 0) headers.push(['Access-Control-Allow-Headers', names.join(', ')]);
  }
  return { status: 204, headers: headers as HeaderList, body: { kind: 'none' } };
}
