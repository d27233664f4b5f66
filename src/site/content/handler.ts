/**
 * A content handler: the part of the content phase that serves one kind of target (a file,
 * a directory listing, a CGI program, a PUT or a DELETE). The content phase asks each in
 * turn; the first that accepts the request answers it, or hands on to the range phase.
 */
import type { RequestContext } from '../context.js';
import type { PhaseResult } from '../pipeline.js';

export interface ContentHandler {
  readonly name: string;
  accepts(ctx: RequestContext): boolean;
  handle(ctx: RequestContext): PhaseResult | Promise<PhaseResult>;
}
