/**
 * What a request means for a document root: a context per request run through the site's
 * phases (phases.ts). The site knows nothing of sockets. The run is synchronous while the
 * FileCache has a fresh answer, so the common request costs no promise; it turns
 * asynchronous only where the disk must be asked.
 */
import { errorResponse } from '../http/error-page.js';
import type { HttpRequest, RequestHandler } from '../http/handler.js';
import { HttpError } from '../http/http-error.js';
import type { HttpResponse } from '../http/response.js';
import { createSiteAuth } from './auth/site-auth.js';
import type { SiteConfig } from './config.js';
import { RequestContext, type Site } from './context.js';
import { DEFAULT_FILE_CACHE_OPTIONS, FileCache } from './file-cache.js';
import { SITE_PHASES } from './phases.js';
import { runPhases, type Phase } from './pipeline.js';
import { settle, type MaybePromise } from '../maybe-async.js';

export function createSite(config: SiteConfig): Site {
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
  return { config, cache, auth };
}

export function createSiteHandler(config: SiteConfig, phases: readonly Phase[] = SITE_PHASES): RequestHandler {
  const site = createSite(config);
  return (request) => handleRequest(site, phases, request);
}

function handleRequest(site: Site, phases: readonly Phase[], request: HttpRequest): MaybePromise<HttpResponse> {
  const ctx = new RequestContext(request, site);
  return settle(
    () => runPhases(phases, ctx),
    (response) => ctx.finish(response),
    (error) => answerError(ctx, error),
  );
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
