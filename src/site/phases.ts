/**
 * The order of the site's phases, written once (docs/design.md): what a request means for
 * the document root is decided by these, in this order, each answering or handing on.
 *
 *   method -> target -> cors -> added-fields -> virtual -> redirect -> resolve -> auth
 *     -> permission -> trace-options -> negotiate -> fallback -> final-auth -> open
 *     -> encode -> preconditions -> content -> range
 *
 * Authentication comes before everything that says something about the resource (405,
 * TRACE/OPTIONS, 304/412, 416, content), so a protected resource reveals nothing to a
 * stranger. `open` sits between negotiation and preconditions so the preconditions judge
 * the exact bytes that will be sent (see phases/open.ts). A CORS preflight is answered before
 * authentication (browsers send no credentials on it); `fallback` (clean URLs, SPA) comes
 * after negotiation so variants of a missing name win over the fallback file. Both may
 * replace the target, so `final-auth` judges the file that will be served by its own
 * folder's control file before anything is opened.
 */
import type { Phase } from './pipeline.js';
import { addedFieldsPhase } from './phases/added-fields.js';
import { authPhase, finalAuthPhase } from './phases/auth.js';
import { contentPhase } from './phases/content.js';
import { corsPhase } from './phases/cors.js';
import { encodePhase } from './phases/encode.js';
import { fallbackPhase } from './phases/fallback.js';
import { methodPhase } from './phases/method.js';
import { negotiatePhase } from './phases/negotiate.js';
import { openPhase } from './phases/open.js';
import { permissionPhase } from './phases/permission.js';
import { preconditionsPhase } from './phases/preconditions.js';
import { rangePhase } from './phases/range.js';
import { redirectPhase } from './phases/redirect.js';
import { resolvePhase } from './phases/resolve.js';
import { targetPhase } from './phases/target.js';
import { traceOptionsPhase } from './phases/trace-options.js';
import { virtualResourcesPhase } from './phases/virtual-resources.js';

export const SITE_PHASES: readonly Phase[] = [
  methodPhase,
  targetPhase,
  corsPhase,
  addedFieldsPhase,
  virtualResourcesPhase,
  redirectPhase,
  resolvePhase,
  authPhase,
  permissionPhase,
  traceOptionsPhase,
  negotiatePhase,
  fallbackPhase,
  finalAuthPhase,
  openPhase,
  encodePhase,
  preconditionsPhase,
  contentPhase,
  rangePhase,
];
