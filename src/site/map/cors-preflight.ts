/**
 * Stage `cors-preflight` (`--cors`): a CORS preflight (OPTIONS with Origin and
 * Access-Control-Request-Method, as the Fetch standard defines it) is answered here, before
 * the guard, because browsers never send credentials on a preflight; the real request that
 * follows is judged as usual (405, 401...). The fields every answer carries are the `cors`
 * filter's (filters/cors.ts).
 */
import type { HttpRequest } from '../../http/handler.js';
import type { HeaderList, HttpResponse } from '../../http/response.js';
import { isToken, splitList, trimOws } from '../../http/syntax.js';
import type { Stage } from '../stage.js';

/** Every method porta implements; the real request is still refused where it does not apply. */
const ALLOW_METHODS: readonly [string, string] = ['Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, DELETE, OPTIONS'];
/** Browsers may cache this preflight answer for a day (Chromium caps it at two hours). */
const MAX_AGE: readonly [string, string] = ['Access-Control-Max-Age', '86400'];

export function isPreflight(request: HttpRequest): boolean {
  return request.method === 'OPTIONS' && request.fields.has('origin') && request.fields.has('access-control-request-method');
}

export const corsPreflightStage: Stage = {
  name: 'cors-preflight',
  run(ctx) {
    if (!ctx.site.config.cors || !isPreflight(ctx.request)) return undefined;
    return preflightResponse(ctx.request.fields.get('access-control-request-headers'));
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
