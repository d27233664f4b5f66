/**
 * Step `encode` of serving a file (handlers/file.ts): a content coding for the selected file when the client accepts one
 * (RFC 9110 sections 8.4 and 12.5.3): a precompressed file beside it (`app.js.br`,
 * `app.js.gz`, as nginx's gzip_static) when there is one, else a compressed copy of a file
 * held in memory (compressible types of at least 1 KiB), made once per file version within
 * compression's budget (compression-budget.ts: else the file goes out uncompressed). Either
 * way the answer says `Vary: Accept-Encoding`, and a coded answer has its own ETag, so
 * conditional requests and ranges (which come after) apply to the coded bytes, as Apache's
 * mod_deflate does.
 *
 * Left alone: files whose name already gives a coding (`page.html.gz`), negotiated variants,
 * methods other than GET and HEAD, and types that do not compress (images, video, archives).
 */
import type { RequestContext } from '../context.js';
import type { CachedFile, Resolution } from '../file-cache.js';
import { andThen, type MaybePromise } from '../../maybe-async.js';
import type { FileResource } from '../resource.js';
import { CodingChooser, type ContentCoding } from '../compression/accept-encoding.js';
import { isCompressibleType } from '../compression/compressible.js';
import { codedFormsOf, MIN_COMPRESS_BYTES, type CodedForms } from '../compression/encoded-representations.js';
import { openCurrent } from './open.js';

const SUFFIX: Readonly<Record<ContentCoding, string>> = { br: '.br', gzip: '.gz' };

/** Choosers per set of codings on offer for one file (configured ones, or only its siblings). */
const choosers = new Map<string, CodingChooser>();
/** The configured set, by identity: the common case costs no string building. */
const configuredChoosers = new WeakMap<readonly ContentCoding[], CodingChooser>();

function chooserFor(offered: readonly ContentCoding[]): CodingChooser {
  const key = offered.join(',');
  let chooser = choosers.get(key);
  if (chooser === undefined) {
    chooser = new CodingChooser(offered);
    choosers.set(key, chooser);
  }
  return chooser;
}

function configuredChooser(codings: readonly ContentCoding[]): CodingChooser {
  let chooser = configuredChoosers.get(codings);
  if (chooser === undefined) {
    chooser = chooserFor(codings);
    configuredChoosers.set(codings, chooser);
  }
  return chooser;
}

/** Replaces ctx.selected (and ctx.source) by the coded form the client gets, if any. */
export function chooseCoding(ctx: RequestContext, resource: FileResource): MaybePromise<undefined> {
  const codings = ctx.site.config.compression;
  if (codings.length === 0) return undefined;
  const method = ctx.request.method;
  const target = resource.file;
  const selected = ctx.selected;
  if ((method !== 'GET' && method !== 'HEAD') || selected === undefined || resource.variant !== undefined) return undefined;
  if (target.description.encoding !== undefined || !isCompressibleType(selected.contentType)) return undefined;
  const forms = codedFormsOf(selected);
  const source = ctx.source;
  if (source?.kind === 'buffer' && source.data.length >= MIN_COMPRESS_BYTES) {
    // Every configured coding is on offer (made here if no file beside it has it).
    const coding = configuredChooser(codings).choose(ctx.request.fields.get('accept-encoding'));
    if (coding === undefined) {
      ctx.selected = forms.identity;
      return undefined;
    }
    const siblings = findSiblings(ctx, resource, forms, [coding]);
    return andThen(siblings, (found) => send(ctx, target, forms, coding, found[coding], source.data));
  }
  // Too large (or too small) to compress here: only files beside it can be on offer.
  const siblings = findSiblings(ctx, resource, forms, codings);
  return andThen(siblings, (found) => chooseSibling(ctx, forms, codings, found));
}

type Siblings = Partial<Record<ContentCoding, CachedFile>>;
const NO_SIBLINGS: Siblings = Object.freeze({});

/** The precompressed files beside the target, from the file cache (no I/O while it is fresh). */
function findSiblings(ctx: RequestContext, resource: FileResource, forms: CodedForms, codings: readonly ContentCoding[]): MaybePromise<Siblings> {
  const path = resource.path;
  const target = resource.file;
  // The URL of the file itself: for an index document, the directory's path plus its name.
  const filePath = resource.indexOf === undefined ? path.path : `${path.path}${baseName(target.fsPath)}`;
  let keys = forms.siblingKeys;
  if (keys?.path !== filePath) keys = forms.siblingKeys = { path: filePath, br: `${filePath}.br`, gzip: `${filePath}.gz` };
  const cache = ctx.site.cache;
  let found: Siblings = NO_SIBLINGS;
  let pending: Array<Promise<void>> | undefined;
  for (const coding of codings) {
    const hit = cache.peekResolution(keys[coding]);
    if (hit !== undefined) {
      if (isSibling(hit, target)) found = { ...found, [coding]: hit.target };
      continue;
    }
    const segments = filePath.slice(1).split('/');
    segments[segments.length - 1] += SUFFIX[coding];
    const lookup = cache.resolve(keys[coding], segments).then(
      (resolution) => {
        if (isSibling(resolution, target)) found = { ...found, [coding]: resolution.target };
      },
      // A sibling that cannot be read (403, hidden...) is simply not used.
      () => undefined,
    );
    (pending ??= []).push(lookup);
  }
  if (pending === undefined) return found;
  return Promise.all(pending).then(() => found);
}

/**
 * A precompressed file is used only when it really lies beside the file (same real folder):
 * one that is a symbolic link into another folder could be guarded by another control file,
 * and the authorisation was decided for the plain file's folder.
 */
function isSibling(resolution: Resolution, file: CachedFile): boolean {
  const sibling = resolution.target;
  return sibling.kind === 'file' && resolution.trailingPath === '' && sameFolder(sibling.fsPath, file.fsPath);
}

function sameFolder(a: string, b: string): boolean {
  const slash = a.lastIndexOf('/');
  return slash === b.lastIndexOf('/') && a.startsWith(b.slice(0, slash + 1));
}

function baseName(fsPath: string): string {
  return fsPath.slice(fsPath.lastIndexOf('/') + 1);
}

function chooseSibling(ctx: RequestContext, forms: CodedForms, codings: readonly ContentCoding[], siblings: Siblings): MaybePromise<undefined> {
  const offered = codings.filter((coding) => siblings[coding] !== undefined);
  // Nothing could ever be sent coded: the answer does not vary.
  if (offered.length === 0) return undefined;
  const coding = chooserFor(offered).choose(ctx.request.fields.get('accept-encoding'));
  if (coding === undefined) {
    ctx.selected = forms.identity;
    return undefined;
  }
  return useSibling(ctx, forms, coding, siblings[coding] as CachedFile);
}

/** The file beside this one when there is one, else the copy made here (or none: identity). */
function send(ctx: RequestContext, file: CachedFile, forms: CodedForms, coding: ContentCoding, sibling: CachedFile | undefined, plain: Buffer): MaybePromise<undefined> {
  if (sibling !== undefined) return useSibling(ctx, forms, coding, sibling);
  const encoded = forms.encoded(coding, file, plain, ctx.site.config.compressionBudget, ctx.request.clientGone);
  return andThen(encoded, (bytes) => useEncoded(ctx, forms, coding, bytes));
}

/** The compressed copy, or the file as it is (still saying Vary) when there is none. */
function useEncoded(ctx: RequestContext, forms: CodedForms, coding: ContentCoding, encoded: Buffer | null | undefined): undefined {
  if (encoded === null || encoded === undefined) {
    ctx.selected = forms.identity;
    return undefined;
  }
  ctx.selected = forms.coded(coding);
  ctx.source = { kind: 'buffer', data: encoded };
  return undefined;
}

function useSibling(ctx: RequestContext, forms: CodedForms, coding: ContentCoding, sibling: CachedFile): MaybePromise<undefined> {
  ctx.releaseSource();
  if (sibling.body !== undefined) {
    ctx.selected = forms.sibling(coding, sibling);
    ctx.source = { kind: 'buffer', data: sibling.body };
    return undefined;
  }
  return openCurrent(sibling, ctx.site.config.extensionMaps).then(({ fd, current }) => {
    ctx.source = { kind: 'descriptor', fd, size: current.stats.size };
    ctx.selected = forms.sibling(coding, current);
    return undefined;
  });
}
