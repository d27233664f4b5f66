/**
 * Handler `file`: a static file, sent through the one serve-a-representation primitive:
 * open (the representation and the source of its bytes), encode (a content coding),
 * preconditions (304/412) and range (200/206/416), in that order (serve-file/*.ts). Each step
 * either hands on or answers; only the steps that need the disk make the answer wait.
 */
import type { HttpResponse } from '../../http/response.js';
import { andThen, type MaybePromise } from '../../maybe-async.js';
import type { RequestContext } from '../context.js';
import type { FileResource } from '../resource.js';
import { chooseCoding } from '../serve-file/encode.js';
import { openRepresentation } from '../serve-file/open.js';
import { preconditionsAnswer } from '../serve-file/preconditions.js';
import { rangeAnswer } from '../serve-file/range.js';
import type { Handler } from './handler.js';

export const fileHandler: Handler<FileResource> = {
  name: 'file',
  handle: (ctx, resource) => serveFile(ctx, resource),
};

function serveFile(ctx: RequestContext, resource: FileResource): MaybePromise<HttpResponse> {
  return andThen(openRepresentation(ctx, resource), () => andThen(chooseCoding(ctx, resource), () => preconditionsAnswer(ctx) ?? rangeAnswer(ctx)));
}
