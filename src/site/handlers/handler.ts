/**
 * A handler: what answers a request once the guard has admitted it. One is chosen per
 * request (stages.ts): by the method for those that act on the path whatever is there (PUT,
 * DELETE), else by the kind of resource the map found. A new handler is one file and one
 * entry in stages.ts.
 */
import type { HttpResponse } from '../../http/response.js';
import type { MaybePromise } from '../../maybe-async.js';
import type { RequestContext } from '../context.js';
import type { Resource } from '../resource.js';

export interface Handler<R extends Resource = Resource> {
  readonly name: string;
  handle(ctx: RequestContext, resource: R): MaybePromise<HttpResponse>;
}

/** One handler for each kind of resource. */
export type HandlersByResource = { readonly [K in Resource['kind']]: Handler<Extract<Resource, { kind: K }>> };
