/**
 * The opt-in virtual resource `/.well-known/access.log` (docs/serve.md, the access log): the access log
 * in its configured format, as text/plain. Off by default because it exposes client addresses.
 */
import type { HttpRequest } from '../http/handler.js';
import type { HttpResponse } from '../http/response.js';
import { methodNotAllowed, optionsResponse } from './methods.js';

export const ACCESS_LOG_PATH = '/.well-known/access.log';

export async function accessLogResponse(request: HttpRequest, snapshot: () => Promise<Buffer>, traceEnabled: boolean): Promise<HttpResponse> {
  const permissions = { trace: traceEnabled };
  if (request.method === 'OPTIONS') {
    return optionsResponse(permissions);
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed(request.method, permissions);
  const data = await snapshot();
  return {
    status: 200,
    headers: [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Cache-Control', 'no-store'],
    ],
    body: { kind: 'bytes', data },
  };
}
