/**
 * The health resource (`--health PATH`, off by default): 200 with a short text body for
 * load-balancer and container probes. It is answered before the document root is looked
 * at, so it says "this process accepts and answers requests" even when the root is slow or
 * gone; a probe that must also check the content should ask for a real file instead.
 */
import type { HttpRequest } from '../http/handler.js';
import type { HttpResponse } from '../http/response.js';
import { methodNotAllowed, optionsResponse } from './methods.js';

const BODY = Buffer.from('ok\n', 'latin1');
const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Content-Type', 'text/plain; charset=utf-8'],
  // A cached "ok" would hide a dead server from a probe behind a cache.
  ['Cache-Control', 'no-store'],
];

export function healthResponse(request: HttpRequest, traceEnabled: boolean): HttpResponse {
  const permissions = { trace: traceEnabled };
  if (request.method === 'OPTIONS') return optionsResponse(permissions);
  if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed(request.method, permissions);
  return { status: 200, headers: HEADERS.map(([name, value]) => [name, value]), body: { kind: 'bytes', data: BODY } };
}
