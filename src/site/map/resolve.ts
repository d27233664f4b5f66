/**
 * Stage `resolve`: what the path names on disk (FileCache): a file (with a trailing path when
 * more segments follow it), a directory, or nothing. A directory named with its trailing
 * slash is resolved on to its first existing index document (docs/serve.md, URLs, files and media types); without
 * the slash it stays the directory (its handler redirects). Synchronous while the
 * cache is fresh.
 */
import type { RequestContext } from '../context.js';
import type { Resolution } from '../file-cache.js';
import type { Stage, StageResult } from '../stage.js';
import type { RequestPath } from '../url-path.js';

export const resolveStage: Stage = {
  name: 'resolve',
  run(ctx) {
    const path = ctx.path as RequestPath;
    const cache = ctx.site.cache;
    const hit = cache.peekResolution(path.path);
    if (hit !== undefined) return settle(ctx, path, hit);
    return cache.resolve(path.path, path.segments).then((resolution) => settle(ctx, path, resolution));
  },
};

function settle(ctx: RequestContext, path: RequestPath, resolution: Resolution): StageResult | Promise<StageResult> {
  ctx.target = ctx.requested = resolution.target;
  ctx.trailingPath = resolution.trailingPath;
  if (resolution.target.kind !== 'directory' || !path.path.endsWith('/')) return undefined;
  return findIndex(ctx, path, 0);
}

/** Tries the index names from `from` on; the first that is a file becomes the target. */
function findIndex(ctx: RequestContext, path: RequestPath, from: number): StageResult | Promise<StageResult> {
  const names = ctx.site.config.indexNames;
  const cache = ctx.site.cache;
  const parentSegments = path.segments.slice(0, -1);
  for (let i = from; i < names.length; i++) {
    const name = names[i] as string;
    const key = `${path.path}${name}`;
    const hit = cache.peekResolution(key);
    if (hit === undefined) {
      return cache.resolve(key, [...parentSegments, name]).then((resolution) => {
        if (resolution.target.kind === 'file' && resolution.trailingPath === '') return useIndex(ctx, resolution);
        return findIndex(ctx, path, i + 1);
      });
    }
    if (hit.target.kind === 'file' && hit.trailingPath === '') return useIndex(ctx, hit);
  }
  return undefined;
}

function useIndex(ctx: RequestContext, resolution: Resolution): undefined {
  ctx.indexOf = ctx.target;
  ctx.target = ctx.requested = resolution.target;
  return undefined;
}
