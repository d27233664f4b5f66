/**
 * Step `open` of serving a file (handlers/file.ts): the file's representation and the source of its bytes. A file held
 * in memory is described by its cache entry. A larger one is opened now, and its validators,
 * length and bytes all come from that one descriptor (the cached stats may be up to a
 * second old): a file replaced meanwhile is either the old file or the new one, never the
 * old length with the new bytes. Preconditions are then judged on exactly what is sent.
 */
import { close, fstat, open, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import type { RequestContext } from '../context.js';
import { describeFile, sameFile, type CachedFile } from '../file-cache.js';
import type { ExtensionMaps } from '../media-type.js';
import type { Representation } from '../representation.js';
import type { FileResource } from '../resource.js';

// Plain descriptors with callback reads: a FileHandle's promise-based reads made S3 ~20% slower.
const openFd = promisify(open);
const fstatFd = promisify(fstat);

function representationOf(resource: FileResource, file: CachedFile): Representation {
  return resource.variant === undefined ? file.plain : resource.variant.represent(file);
}

/** Sets ctx.selected and ctx.source: at once for a file held in memory, after an open otherwise. */
export function openRepresentation(ctx: RequestContext, resource: FileResource): undefined | Promise<void> {
  const file = resource.file;
  if (file.body !== undefined) {
    ctx.selected = representationOf(resource, file);
    ctx.source = { kind: 'buffer', data: file.body };
    return undefined;
  }
  return openForStreaming(ctx, resource);
}

async function openForStreaming(ctx: RequestContext, resource: FileResource): Promise<void> {
  const { fd, current } = await openCurrent(resource.file, ctx.site.config.extensionMaps);
  ctx.source = { kind: 'descriptor', fd, size: current.stats.size };
  ctx.selected = representationOf(resource, current);
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
