/**
 * TRACE (RFC 9110 section 9.3.8): the request head, exactly as received, comes back as a
 * message/http body. Conditional and range fields do not apply to it.
 */
import type { HttpRequest } from '../http/handler.js';
import type { HttpResponse } from '../http/response.js';

export function traceResponse(request: HttpRequest): HttpResponse {
  return {
    status: 200,
    headers: [['Content-Type', 'message/http']],
    body: { kind: 'bytes', data: Buffer.from(request.rawHead, 'latin1') },
  };
}
