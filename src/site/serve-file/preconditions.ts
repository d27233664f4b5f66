/**
 * Step `preconditions` of serving a file (handlers/file.ts): conditional requests (RFC 9110 section 13.2.2) judged on the
 * selected representation: 304 with its validators and selection fields (section 15.4.5),
 * or 412, which also carries the selection fields (a Vary must not get lost).
 */
import { statusPageResponse } from '../../http/error-page.js';
import type { HttpResponse } from '../../http/response.js';
import type { RequestContext } from '../context.js';
import { evaluatePreconditions } from '../preconditions.js';
import { hasConditionalOrRange } from '../request-fields.js';

/** 304 or 412 when a precondition decides the answer; undefined to send the representation. */
export function preconditionsAnswer(ctx: RequestContext): HttpResponse | undefined {
  const selected = ctx.selected;
  const request = ctx.request;
  if (selected === undefined || !hasConditionalOrRange(request.fields)) return undefined;
  const outcome = evaluatePreconditions(request.method, request.fields, selected.validators);
  if (outcome === 'not-modified') return { status: 304, headers: selected.notModifiedFields, body: { kind: 'none' } };
  if (outcome === 'precondition-failed') {
    return statusPageResponse(412, 'A precondition given in the request does not hold for the current file.', {
      headers: selected.selectionFields,
    });
  }
  return undefined;
}
