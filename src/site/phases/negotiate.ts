/**
 * Phase `negotiate`: transparent content negotiation (MultiViews, http.md section 6). When
 * a GET or HEAD names no file but `name.*` variants of it exist in its directory (or a
 * directory's index document exists only as variants, or the path names a type map), it
 * chooses one (ctx.target and ctx.variant, then served like any file) or answers 300/406
 * with the list. A file that exists under the requested name is never negotiated: that
 * check is the first thing here, so the plain-file path pays one string comparison.
 */
import type { RequestContext } from '../context.js';
import type { CachedFile, CachedTarget, Resolution } from '../file-cache.js';
import { TYPE_MAP_EXTENSION } from '../negotiation/directory-variants.js';
import { Negotiator, type ListEntry, type Place } from '../negotiation/negotiator.js';
import { NOT_FOUND_RESPONSE } from '../not-found.js';
import type { Phase, PhaseResult } from '../pipeline.js';
import type { RequestPath } from '../url-path.js';

/** One negotiator per site (its caches live as long as the site). */
const negotiators = new WeakMap<RequestContext['site'], Negotiator>();

function negotiatorOf(ctx: RequestContext): Negotiator {
  let negotiator = negotiators.get(ctx.site);
  if (negotiator === undefined) {
    negotiator = new Negotiator(ctx.site);
    negotiators.set(ctx.site, negotiator);
  }
  return negotiator;
}

/** A value now or later; keeps the synchronous path free of promises. */
function then<T, U>(value: T | Promise<T>, next: (value: T) => U | Promise<U>): U | Promise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

export const negotiatePhase: Phase = {
  name: 'negotiate',
  run(ctx) {
    const target = ctx.target;
    if (target === undefined) return undefined;
    if (target.kind === 'file' && !target.fsPath.endsWith(TYPE_MAP_EXTENSION)) return undefined;
    if (ctx.site.config.multiviews === false) return undefined;
    const method = ctx.request.method;
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const path = ctx.path as RequestPath;
    if (target.kind === 'file') return ctx.trailingPath === '' ? negotiateTypeMap(ctx, target, placeOf(path)) : undefined;
    if (target.kind === 'missing') return target.reason === 'not-found' ? negotiateName(ctx, path) : undefined;
    if (path.path.endsWith('/') && ctx.indexOf === undefined) return negotiateIndex(ctx, path, target);
    return undefined;
  },
};

/** Places by directory key: the negotiated path computes one string per request, nothing more. */
const places = new Map<string, Place>();
const MAX_PLACES = 4096;

/** The directory a path's last segment is in: `/docs/page` -> `/docs/`, ['docs']. */
function placeOf(path: RequestPath): Place {
  const directoryKey = path.path.slice(0, path.path.lastIndexOf('/') + 1);
  let place = places.get(directoryKey);
  if (place === undefined) {
    place = { directoryKey, directorySegments: path.segments.slice(0, path.segments.length - 1) };
    if (places.size >= MAX_PLACES) places.clear();
    places.set(directoryKey, place);
  }
  return place;
}

/** `/dir/name` is missing: negotiate among `name.*` in /dir/. */
function negotiateName(ctx: RequestContext, path: RequestPath): PhaseResult | Promise<PhaseResult> {
  const name = path.segments[path.segments.length - 1] ?? '';
  // A trailing slash names a directory; a dot name is never negotiated (no dotfile variants).
  if (name === '' || name.charCodeAt(0) === 0x2e) return undefined;
  const place = placeOf(path);
  return then(directoryOf(ctx, place), (directory) => {
    if (directory === undefined) return undefined;
    return then(listOf(ctx, directory, name, place), (entry) => (entry === undefined ? undefined : answer(ctx, entry, undefined)));
  });
}

/** `/dir/` has no index document: negotiate among `index.html.*` (each index name in turn). */
function negotiateIndex(ctx: RequestContext, path: RequestPath, directory: CachedTarget): PhaseResult | Promise<PhaseResult> {
  if (directory.kind !== 'directory') return undefined;
  const place = placeOf(path);
  const names = ctx.site.config.indexNames;
  const tryFrom = (i: number): PhaseResult | Promise<PhaseResult> => {
    if (i >= names.length) return undefined;
    return then(listOf(ctx, directory.fsPath, names[i] as string, place), (entry) => (entry === undefined ? tryFrom(i + 1) : answer(ctx, entry, directory)));
  };
  return tryFrom(0);
}

/** A type map requested by its own name. */
function negotiateTypeMap(ctx: RequestContext, map: CachedFile, place: Place): PhaseResult | Promise<PhaseResult> {
  return then(negotiatorOf(ctx).listForTypeMap(map, place), (entry) => answer(ctx, entry, undefined));
}

/** The real path of the directory at `place`, or undefined when it cannot be negotiated in. */
function directoryOf(ctx: RequestContext, place: Place): string | undefined | Promise<string | undefined> {
  const cache = ctx.site.cache;
  const segments = [...place.directorySegments, ''];
  const settle = (resolution: Resolution): string | undefined =>
    resolution.target.kind === 'directory' && resolution.trailingPath === '' ? resolution.target.fsPath : undefined;
  const hit = cache.peekResolution(place.directoryKey);
  if (hit !== undefined) return settle(hit);
  return cache.resolve(place.directoryKey, segments).then(settle, () => undefined);
}

/** The variant list of `name` in a directory; undefined when it has no variants. */
function listOf(ctx: RequestContext, directory: string, name: string, place: Place): ListEntry | undefined | Promise<ListEntry | undefined> {
  const cache = ctx.site.cache;
  const fromContents = (contents: Parameters<Negotiator['listForName']>[0]): ListEntry | undefined => {
    const entry = negotiatorOf(ctx).listForName(contents, name, place);
    return entry.list.variants.length === 0 ? undefined : entry;
  };
  const contents = cache.directories.peek(directory);
  if (contents !== undefined) return fromContents(contents);
  // An unreadable directory has no variants: the request stays what it was (404).
  return cache.readDirectory(directory).then(fromContents, () => undefined);
}

/** Answers 300/406, or makes the chosen variant the target. */
function answer(ctx: RequestContext, entry: ListEntry, indexOf: CachedTarget | undefined): PhaseResult | Promise<PhaseResult> {
  // A type map that names no file porta would serve has no representation: 404 (never the map itself).
  const fallback = ctx.target?.kind === 'file' ? NOT_FOUND_RESPONSE : undefined;
  if (entry.list.variants.length === 0) return fallback;
  const outcome = negotiatorOf(ctx).decide(entry, ctx.request.fields);
  if (outcome.kind === 'answer') return outcome.response;
  const cache = ctx.site.cache;
  const use = (resolution: Resolution): PhaseResult => {
    // Gone since the list was made: what the request named without negotiation (404).
    if (resolution.target.kind !== 'file' || resolution.trailingPath !== '') return fallback;
    ctx.target = resolution.target;
    ctx.trailingPath = '';
    ctx.variant = outcome.selection;
    if (indexOf !== undefined) ctx.indexOf = indexOf;
    return undefined;
  };
  const variant = outcome.variant;
  const hit = cache.peekResolution(variant.key);
  if (hit !== undefined) return use(hit);
  return cache.resolve(variant.key, variant.segments).then(use, () => fallback);
}
