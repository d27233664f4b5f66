/**
 * Stage `fallback`: what a GET or HEAD for a missing path may be answered with instead of
 * 404, for sites built as clean URLs or as a single-page application:
 *
 * - `--clean-urls`: `/about` is `about.html` when `/about` itself does not exist (nginx's
 *   `try_files $uri $uri.html`). A path ending in `/` or whose last segment has a dot is
 *   left alone.
 * - `--spa FILE`: a path that matches nothing and does not look like a file (its last segment
 *   has no dot) is answered with FILE (usually `/index.html`), so the application's own
 *   router sees it; `/missing.png` stays a 404 so broken assets are not masked.
 */
import type { RequestContext } from '../context.js';
import type { Resolution } from '../file-cache.js';
import type { Stage, StageResult } from '../stage.js';
import { andThen, type MaybePromise } from '../../maybe-async.js';
import type { RequestPath } from '../url-path.js';

export const fallbackStage: Stage = {
  name: 'fallback',
  run(ctx) {
    const { cleanUrls, spa } = ctx.site.config.fallback;
    if (!cleanUrls && spa === undefined) return undefined;
    const target = ctx.target;
    const method = ctx.request.method;
    if (target?.kind !== 'missing' || target.reason !== 'not-found' || ctx.decided !== undefined || (method !== 'GET' && method !== 'HEAD')) return undefined;
    const path = ctx.path as RequestPath;
    const last = path.segments[path.segments.length - 1] ?? '';
    if (last === '' || last.includes('.')) return undefined;
    if (cleanUrls) {
      const html = lookup(ctx, `${path.path}.html`, [...path.segments.slice(0, -1), `${last}.html`]);
      return andThen(html, (resolution) => {
        if (resolution !== undefined && use(ctx, resolution)) return undefined;
        return spa === undefined ? undefined : trySpa(ctx, spa);
      });
    }
    return trySpa(ctx, spa as string);
  },
};

function trySpa(ctx: RequestContext, spa: string): MaybePromise<StageResult> {
  return andThen(lookup(ctx, spa, spa.slice(1).split('/')), (resolution) => {
    if (resolution !== undefined) use(ctx, resolution);
    return undefined;
  });
}

/** From the file cache: at once while fresh; undefined when it cannot be read (the 404 stands). */
function lookup(ctx: RequestContext, key: string, segments: readonly string[]): MaybePromise<Resolution | undefined> {
  const cache = ctx.site.cache;
  return cache.peekResolution(key) ?? cache.resolve(key, segments).catch(() => undefined);
}

function use(ctx: RequestContext, resolution: Resolution): boolean {
  if (resolution.target.kind !== 'file' || resolution.trailingPath !== '') return false;
  ctx.target = resolution.target;
  return true;
}
