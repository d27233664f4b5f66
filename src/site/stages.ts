/**
 * The order of the site, written once (docs/design.md shows it, and a test holds the two
 * together): the map stages turn the request into a typed resource, the guard judges it, one
 * handler answers (by method, else by the kind of resource), and the filters add their fields
 * to every answer as it leaves.
 *
 * The map answers only for what is not a resource of the site: a method porta does not
 * implement (501), a bad path (400), a CORS preflight (browsers send no credentials on one),
 * `OPTIONS *`, the virtual resources and the operator's redirects. What the map learns about
 * the folder (a negotiation's 300/406) waits for the guard, which judges both what the path
 * resolved to and the file that will be served, so a protected resource answers 401 to every
 * method before it says anything else about itself.
 */
import { addedFieldsFilter } from './filters/added-fields.js';
import { authenticationInfoFilter } from './filters/authentication-info.js';
import { corsFilter } from './filters/cors.js';
import type { ResponseFilter } from './filters/filter.js';
import { authStage } from './guard/auth.js';
import { permissionStage } from './guard/permission.js';
import { traceOptionsStage } from './guard/trace-options.js';
import { cgiHandler } from './handlers/cgi.js';
import { decidedHandler } from './handlers/decided.js';
import { deleteHandler } from './handlers/delete.js';
import { fileHandler } from './handlers/file.js';
import type { Handler, HandlersByResource } from './handlers/handler.js';
import { listingHandler } from './handlers/listing.js';
import { missingHandler } from './handlers/missing.js';
import { putHandler } from './handlers/put.js';
import { classifyStage } from './map/classify.js';
import { corsPreflightStage } from './map/cors-preflight.js';
import { fallbackStage } from './map/fallback.js';
import { methodStage } from './map/method.js';
import { negotiateStage } from './map/negotiate.js';
import { redirectStage } from './map/redirect.js';
import { resolveStage } from './map/resolve.js';
import { targetStage } from './map/target.js';
import { virtualResourcesStage } from './map/virtual-resources.js';
import type { Stage } from './stage.js';

export interface SitePlan {
  /** From the request to a typed resource (ctx.resource); may answer for what is no resource. */
  readonly map: readonly Stage[];
  /** Whether the client may have what it asked for; answers 401, 405, 501, TRACE and OPTIONS. */
  readonly guard: readonly Stage[];
  /** Handlers for methods that act on the path whatever is there. */
  readonly byMethod: ReadonlyMap<string, Handler>;
  /** Otherwise, the handler for the kind of resource. */
  readonly byResource: HandlersByResource;
  /** Fields added to every answer, in this order (those a site's configuration needs). */
  readonly filters: readonly ResponseFilter[];
}

export const SITE_PLAN: SitePlan = {
  map: [methodStage, targetStage, corsPreflightStage, virtualResourcesStage, redirectStage, resolveStage, negotiateStage, fallbackStage, classifyStage],
  guard: [authStage, permissionStage, traceOptionsStage],
  byMethod: new Map([
    ['PUT', putHandler],
    ['DELETE', deleteHandler],
  ]),
  byResource: { file: fileHandler, program: cgiHandler, directory: listingHandler, decided: decidedHandler, missing: missingHandler },
  filters: [corsFilter, authenticationInfoFilter, addedFieldsFilter],
};
