/**
 * A response filter: fields added to the site's answer as it leaves (RequestContext.finish),
 * whatever handler or stage made it, errors included. The site keeps only the filters its
 * configuration needs (stages.ts), so an unconfigured feature costs nothing per request.
 */
import type { HeaderList, HttpResponse } from '../../http/response.js';
import type { SiteConfig } from '../config.js';
import type { RequestContext } from '../context.js';

export interface ResponseFilter {
  readonly name: string;
  /** Whether a site with this configuration needs the filter at all. */
  wanted(config: SiteConfig): boolean;
  /** The fields to add to this answer, or undefined for none. */
  fields(ctx: RequestContext, response: HttpResponse): HeaderList | undefined;
}
