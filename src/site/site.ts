/**
 * What a request means for a document root: a context per request run through the site's
 * plan (stages.ts): the map and guard stages, then one handler, then the filters as the
 * answer leaves. The site knows nothing of sockets or of the protocol that carried the
 * request. The run is synchronous while the FileCache has a fresh answer, so the common
 * request costs no promise; it turns asynchronous only where the disk must be asked.
 */
import { errorResponse } from '../http/error-page.js';
import type { HttpRequest, RequestHandler } from '../http/handler.js';
import { HttpError } from '../http/http-error.js';
import type { HttpResponse } from '../http/response.js';
import { createSiteAuth } from './auth/site-auth.js';
import type { SiteConfig } from './config.js';
import { RequestContext, type Site } from './context.js';
import { DEFAULT_FILE_CACHE_OPTIONS, FileCache } from './file-cache.js';
import type { Handler } from './handlers/handler.js';
import { Negotiator } from './negotiation/negotiator.js';
import type { Resource } from './resource.js';
import { runStages, type Stage } from './stage.js';
import { SITE_PLAN, type SitePlan } from './stages.js';
import { andThen, settle, type MaybePromise } from '../maybe-async.js';

export function createSite(config: SiteConfig, plan: SitePlan = SITE_PLAN): Site {
  const cache = new FileCache({
    ...DEFAULT_FILE_CACHE_OPTIONS,
    root: config.root,
    hiddenName: config.authFileName,
    dotfiles: config.dotfiles,
    extensionMaps: config.extensionMaps,
  });
  const auth = createSiteAuth({
    root: config.root,
    fileName: config.authFileName,
    secret: config.secret,
    freshnessMs: DEFAULT_FILE_CACHE_OPTIONS.freshnessMs,
    report: config.reportError,
  });
  const negotiator = new Negotiator(cache, config.extensionMaps);
  return { config, cache, auth, negotiator, filters: plan.filters.filter((filter) => filter.wanted(config)) };
}

export function createSiteHandler(config: SiteConfig, plan: SitePlan = SITE_PLAN): RequestHandler {
  const site = createSite(config, plan);
  const stages: readonly Stage[] = [...plan.map, ...plan.guard];
  return (request) => handleRequest(site, plan, stages, request);
}

function handleRequest(site: Site, plan: SitePlan, stages: readonly Stage[], request: HttpRequest): MaybePromise<HttpResponse> {
  const ctx = new RequestContext(request, site);
  return settle(
    () => andThen(runStages(stages, ctx), (answer) => answer ?? handle(plan, ctx)),
    (response) => ctx.finish(response),
    (error) => answerError(ctx, error),
  );
}

/** The one handler for this request: by its method when one acts on any path, else by its resource. */
function handle(plan: SitePlan, ctx: RequestContext): MaybePromise<HttpResponse> {
  const resource = ctx.resource as Resource;
  const handler = (plan.byMethod.get(ctx.request.method) ?? plan.byResource[resource.kind]) as Handler;
  return handler.handle(ctx, resource);
}

/** An HttpError is an answer (its cause goes to the error log); anything else is the connection's 500. */
function answerError(ctx: RequestContext, error: unknown): HttpResponse {
  if (!(error instanceof HttpError)) {
    ctx.releaseSource();
    throw error;
  }
  if (error.options.cause !== undefined) ctx.site.config.reportError(error.options.cause);
  return ctx.finish(errorResponse(error));
}
