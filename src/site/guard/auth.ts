/**
 * Stage `auth`: authentication from the governing control file (docs/serve.md,
 * authentication). It is the first of the guard: it runs once the map knows the resource and
 * before method permission, TRACE/OPTIONS and every handler (so before a negotiation's 300 or
 * 406, 304/412, 416 and content), so a protected resource answers 401 to every method before
 * it says anything else about itself.
 *
 * Two targets are judged when they differ: what the path resolved to, and the file that will
 * be served. Negotiation (a MultiViews variant, a type map's URI) and the fallback (clean
 * URLs, SPA) may replace the first by a file elsewhere, even through a symbolic link into a
 * protected folder, so a request reaches a file only with what that file's folder demands
 * (and a type map only serves what both its own folder and the named file's folder allow).
 *
 * The governing file is the nearest one up from the directory the target is (or is in),
 * found through ControlFiles' cache: no I/O while the answer is fresh. Verified MD5-crypt
 * and bcrypt passwords are remembered (VerifiedPasswords), so a good Basic request costs a
 * SHA-256 and map lookups; a bcrypt check not made before runs on another thread.
 * Success sets ctx.user, ctx.authType and ctx.grants (ALLOW-PUT / ALLOW-DELETE).
 */
import { dirname } from 'node:path';
import { HttpError } from '../../http/http-error.js';
import { parseAuthorization } from '../auth/authorization.js';
import { challenge } from '../auth/challenge.js';
import type { AuthRules } from '../auth/control-file.js';
import type { DirectoryEntry, Governing } from '../auth/control-files.js';
import { verifyBasic, verifyDigest, type Verdict } from '../auth/verify.js';
import type { RequestContext } from '../context.js';
import type { CachedTarget } from '../file-cache.js';
import type { Stage, StageResult } from '../stage.js';
import { andThen, type MaybePromise } from '../../maybe-async.js';
import { servedTarget, type Resource } from '../resource.js';

/**
 * The directory answer last used for a cached target: while it is fresh, a request for the
 * same target needs neither dirname() nor a lookup by path. Keyed weakly: a target the file
 * cache drops takes its entry with it.
 */
const entryByTarget = new WeakMap<CachedTarget, DirectoryEntry>();

export const authStage: Stage = {
  name: 'auth',
  run(ctx) {
    const resource = ctx.resource as Resource;
    const requested = resource.requested;
    const served = servedTarget(resource);
    if (served === requested) return authorize(ctx, requested);
    return andThen(authorize(ctx, requested), (refused) => refused ?? authorize(ctx, served));
  },
};

/** Finds the control file governing `target` and authenticates the request against it. */
function authorize(ctx: RequestContext, target: CachedTarget): MaybePromise<StageResult> {
  const files = ctx.site.auth.files;
  // The time the request arrived: fresh enough for a 1 s window, and it costs no clock read.
  const now = ctx.request.receivedAt;
  const known = entryByTarget.get(target);
  if (known !== undefined && files.isFresh(known, now)) return authenticateFor(ctx, known.governing, now);
  const dir = target.kind === 'directory' ? target.fsPath : dirname(target.fsPath);
  const entry = files.peekEntry(dir, now);
  if (entry !== undefined) {
    entryByTarget.set(target, entry);
    return authenticateFor(ctx, entry.governing, now);
  }
  return files.lookup(dir).then((found) => authenticateFor(ctx, found, Date.now()));
}

/** Authenticates unless the same control file already admitted this request. */
function authenticateFor(ctx: RequestContext, governing: Governing, now: number): MaybePromise<StageResult> {
  if (ctx.authorizedBy !== undefined && governing === ctx.authorizedBy) return undefined;
  ctx.authorizedBy = governing;
  return authenticate(ctx, governing, now);
}

const REFUSED_DIRECTORY = 'The access rules of this directory cannot be read, so it is refused until they are fixed.';

function authenticate(ctx: RequestContext, governing: Governing, now: number): MaybePromise<StageResult> {
  if (governing === null) return undefined;
  const rules = governing.rules;
  if (rules === undefined) throw new HttpError(500, REFUSED_DIRECTORY);
  const header = ctx.request.fields.get('authorization');
  let verdict: MaybePromise<Verdict> = { ok: false, stale: false };
  if (header !== undefined) {
    const credentials = parseAuthorization(header);
    if (credentials?.scheme === 'basic' && rules.scheme === 'Basic') {
      verdict = verifyBasic(rules, credentials, ctx.site.auth.verified);
    } else if (credentials?.scheme === 'digest' && rules.scheme === 'Digest') {
      verdict = verifyDigest(rules, credentials, ctx.request, ctx.site.auth, now);
    }
  }
  return andThen(verdict, (known) => admit(ctx, rules, known, now));
}

function admit(ctx: RequestContext, rules: AuthRules, verdict: Verdict, now: number): StageResult {
  if (verdict.ok === 'bad') throw new HttpError(400, verdict.message);
  if (verdict.ok === false) {
    // The name that was tried goes to the access log, as Apache's %u does for a 401.
    ctx.user = verdict.user;
    throw challenge(rules, ctx.site.auth, verdict.stale, now);
  }
  ctx.user = verdict.user;
  ctx.authType = rules.scheme;
  if (rules.allowPut || rules.allowDelete) ctx.grants = { put: rules.allowPut, delete: rules.allowDelete };
  if (verdict.info !== undefined) ctx.authenticationInfo = verdict.info;
  return undefined;
}
