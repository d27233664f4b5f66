/**
 * Stage `trace-options`: the two methods that are about the request or the resource's
 * capabilities rather than its content. TRACE (RFC 9110 section 9.3.8) echoes the request
 * head for any path; OPTIONS (section 9.3.7) says what the resource permits, and is 404 for
 * a resource that does not exist.
 */
import { optionsResponse } from '../methods.js';
import { NOT_FOUND_RESPONSE } from '../not-found.js';
import type { Stage } from '../stage.js';
import { traceResponse } from '../trace.js';

export const traceOptionsStage: Stage = {
  name: 'trace-options',
  run(ctx) {
    const method = ctx.request.method;
    if (method === 'TRACE') return traceResponse(ctx.request);
    if (method !== 'OPTIONS') return undefined;
    if (ctx.resource?.requested.kind === 'missing') return NOT_FOUND_RESPONSE;
    return optionsResponse(ctx.permissions);
  },
};
