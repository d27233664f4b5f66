/**
 * Stage `negotiate`: transparent content negotiation (MultiViews, docs/serve.md, content negotiation). When
 * a GET or HEAD names no file but `name.*` variants of it exist in its directory (or a
 * directory's index document exists only as variants, or the path names a type map), it
 * chooses one (ctx.target and ctx.variant, then served like any file) or decides on a
 * 300/406 with the list (ctx.decided: given only once the guard has admitted the request,
 * since the list says what the folder holds). A file that exists under the requested name is never negotiated: that
 * check is the first thing here, so the plain-file path pays one string comparison.
 */
import type { RequestContext, VariantSelection } from '../context.js';
import type { CachedFile, CachedTarget, Resolution } from '../file-cache.js';
import { TYPE_MAP_EXTENSION } from '../negotiation/directory-variants.js';
import type { ListEntry, Place } from '../negotiation/negotiator.js';
import { NOT_FOUND_RESPONSE } from '../not-found.js';
import type { Stage, StageResult } from '../stage.js';
import { andThen, type MaybePromise } from '../../maybe-async.js';
import type { RequestPath } from '../url-path.js';

export const negotiateStage: Stage = {
  name: 'negotiate',
  run(ctx) {
    const target = ctx.target;
    if (target === undefined) return undefined;
    if (target.kind === 'file' && !target.fsPath.endsWith(TYPE_MAP_EXTENSION)) return undefined;
    if (!ctx.site.config.multiviews) return undefined;
    const method = ctx.request.method;
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    return andThen(negotiate(ctx, target), (decided) => {
      ctx.decided = decided;
      return undefined;
    });
  },
};

function negotiate(ctx: RequestContext, target: CachedTarget): MaybePromise<StageResult> {
  const path = ctx.path as RequestPath;
  if (target.kind === 'file') return ctx.trailingPath === '' ? negotiateTypeMap(ctx, target, placeOf(path)) : undefined;
  if (target.kind === 'missing') return target.reason === 'not-found' ? negotiateName(ctx, path) : undefined;
  if (path.path.endsWith('/') && ctx.indexOf === undefined) return negotiateIndex(ctx, path, target);
  return undefined;
}

/** Places by request path (parsed paths are shared objects, so this is an identity lookup). */
const places = new WeakMap<RequestPath, Place>();

/** The directory a path's last segment is in: `/docs/page` -> `/docs/`, ['docs']. */
function placeOf(path: RequestPath): Place {
  let place = places.get(path);
  if (place === undefined) {
    place = {
      directoryKey: path.path.slice(0, path.path.lastIndexOf('/') + 1),
      directorySegments: path.segments.slice(0, path.segments.length - 1),
    };
    places.set(path, place);
  }
  return place;
}

/** `/dir/name` is missing: negotiate among `name.*` in /dir/. */
function negotiateName(ctx: RequestContext, path: RequestPath): MaybePromise<StageResult> {
  const name = path.segments[path.segments.length - 1] ?? '';
  // A trailing slash names a directory; a dot name is never negotiated (no dotfile variants).
  if (name === '' || name.charCodeAt(0) === 0x2e) return undefined;
  const place = placeOf(path);
  const cache = ctx.site.cache;
  const now = Date.now();
  const hit = cache.peekResolution(place.directoryKey, now);
  if (hit === undefined) {
    return cache.resolve(place.directoryKey, [...place.directorySegments, '']).then(
      (resolution) => negotiateIn(ctx, directoryPath(resolution), name, place, Date.now()),
      () => undefined,
    );
  }
  return negotiateIn(ctx, directoryPath(hit), name, place, now);
}

/** The real path of the directory a resolution names, or undefined when it is none. */
function directoryPath(resolution: Resolution): string | undefined {
  return resolution.target.kind === 'directory' && resolution.trailingPath === '' ? resolution.target.fsPath : undefined;
}

/** `now`: one clock reading for every freshness check of this request. */
function negotiateIn(ctx: RequestContext, directory: string | undefined, name: string, place: Place, now: number): MaybePromise<StageResult> {
  if (directory === undefined) return undefined;
  const entry = listOf(ctx, directory, name, place, now, true);
  if (entry instanceof Promise) return entry.then((later) => (later === undefined ? undefined : answer(ctx, later, undefined, Date.now())));
  return entry === undefined ? undefined : answer(ctx, entry, undefined, now);
}

/** `/dir/` has no index document: negotiate among `index.html.*` (each index name in turn). */
function negotiateIndex(ctx: RequestContext, path: RequestPath, directory: CachedTarget): MaybePromise<StageResult> {
  if (directory.kind !== 'directory') return undefined;
  const place = placeOf(path);
  const names = ctx.site.config.indexNames;
  const tryFrom = (i: number): MaybePromise<StageResult> => {
    if (i >= names.length) return undefined;
    const entry = listOf(ctx, directory.fsPath, names[i] as string, place, Date.now(), false);
    return andThen(entry, (found) => (found === undefined ? tryFrom(i + 1) : answer(ctx, found, directory, Date.now())));
  };
  return tryFrom(0);
}

/** A type map requested by its own name. */
function negotiateTypeMap(ctx: RequestContext, map: CachedFile, place: Place): MaybePromise<StageResult> {
  return andThen(ctx.site.negotiator.listForTypeMap(map, place), (entry) => answer(ctx, entry, undefined, Date.now()));
}

/** The variant list of `name` in a directory; undefined when it has no variants. */
/**
 * `rememberNone`: the place belongs to this one name (a missing path's own directory), so
 * finding no variants can be remembered on it for the same directory version.
 */
function listOf(
  ctx: RequestContext,
  directory: string,
  name: string,
  place: Place,
  now: number,
  rememberNone: boolean,
): MaybePromise<ListEntry | undefined> {
  const cache = ctx.site.cache;
  const contents = cache.directories.peek(directory, now);
  if (contents !== undefined) {
    if (rememberNone && place.noVariantsIn === contents) return undefined;
    const entry = ctx.site.negotiator.listForName(contents, name, place);
    if (entry === undefined && rememberNone) place.noVariantsIn = contents;
    return entry;
  }
  // An unreadable directory has no variants: the request stays what it was (404).
  return cache.readDirectory(directory).then(
    (read) => ctx.site.negotiator.listForName(read, name, place),
    () => undefined,
  );
}

/** Answers 300/406, or makes the chosen variant the target. */
function answer(ctx: RequestContext, entry: ListEntry, indexOf: CachedTarget | undefined, now: number): MaybePromise<StageResult> {
  // A type map that names no file porta would serve has no representation: 404 (never the map itself).
  const fallback = ctx.target?.kind === 'file' ? NOT_FOUND_RESPONSE : undefined;
  if (entry.list.variants.length === 0) return fallback;
  const outcome = ctx.site.negotiator.decide(entry, ctx.request.fields);
  if (outcome.kind === 'answer') return outcome.response;
  const variant = outcome.variant;
  const cache = ctx.site.cache;
  const hit = cache.peekResolution(variant.key, now);
  if (hit !== undefined) return useVariant(ctx, hit, outcome.selection, indexOf, fallback);
  return cache.resolve(variant.key, variant.segments).then(
    (resolution) => useVariant(ctx, resolution, outcome.selection, indexOf, fallback),
    () => fallback,
  );
}

/** The chosen variant becomes the target, served from here on like any file. */
function useVariant(ctx: RequestContext, resolution: Resolution, selection: VariantSelection, indexOf: CachedTarget | undefined, fallback: StageResult): StageResult {
  // Gone since the list was made: what the request named without negotiation (404).
  if (resolution.target.kind !== 'file' || resolution.trailingPath !== '') return fallback;
  ctx.target = resolution.target;
  ctx.trailingPath = '';
  ctx.variant = selection;
  if (indexOf !== undefined) ctx.indexOf = indexOf;
  return undefined;
}
