/**
 * Phase `open`: the selected file's representation and the source of its bytes. A file held
 * in memory is described by its cache entry. A larger one is opened now, and its validators,
 * length and bytes all come from that one descriptor (the cached stats may be up to a
 * second old): a file replaced meanwhile is either the old file or the new one, never the
 * old length with the new bytes. Preconditions are then judged on exactly what is sent.
 */
import { close, fstat, open, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import type { RequestContext } from '../context.js';
import { describeFile, sameFile, type CachedFile } from '../file-cache.js';
import { NOT_FOUND_RESPONSE } from '../not-found.js';
import type { Phase } from '../pipeline.js';
import type { ExtensionMaps } from '../media-type.js';
import type { Representation } from '../representation.js';

// Plain descriptors with callback reads: a FileHandle's promise-based reads made S3 ~20% slower.
const openFd = promisify(open);
const fstatFd = promisify(fstat);

function representationOf(ctx: RequestContext, file: CachedFile): Representation {
  return ctx.variant === undefined ? file.plain : ctx.variant.represent(file);
}

export const openPhase: Phase = {
  name: 'open',
  run(ctx) {
    const target = ctx.target;
    if (target?.kind !== 'file') return undefined;
    // A static file takes no path after its name (Apache's AcceptPathInfo default), and a
    // file named with a trailing slash is not that file.
    if (ctx.trailingPath !== '' || (ctx.indexOf === undefined && ctx.path?.path.endsWith('/') === true)) {
      return NOT_FOUND_RESPONSE;
    }
    if (target.body !== undefined) {
      ctx.selected = representationOf(ctx, target);
      ctx.source = { kind: 'buffer', data: target.body };
      return undefined;
    }
    return openForStreaming(ctx, target);
  },
};

async function openForStreaming(ctx: RequestContext, file: CachedFile): Promise<undefined> {
  const { fd, current } = await openCurrent(file, ctx.site.config.extensionMaps);
  ctx.source = { kind: 'descriptor', fd, size: current.stats.size };
  ctx.selected = representationOf(ctx, current);
  return undefined;
}

/**
 * Opens a file too large to be held in memory, and describes it by the descriptor's own
 * fstat: the cached description when the file is unchanged, a fresh one when it was replaced.
 */
export async function openCurrent(file: CachedFile, maps: ExtensionMaps): Promise<{ fd: number; current: CachedFile }> {
  const fd = await openFd(file.fsPath, 'r');
  let stats: Stats;
  try {
    stats = await fstatFd(fd);
  } catch (error) {
    close(fd, () => undefined);
    throw error;
  }
  return { fd, current: sameFile(stats, file.stats) ? file : describeFile(file.fsPath, stats, undefined, maps) };
}
