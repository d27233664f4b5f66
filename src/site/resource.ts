/**
 * What a request names once the map stages are done (stages.ts): the typed resource that the
 * guard judges and that chooses the handler. Everything a later stage needs about the path
 * is here, so no stage reads back a half-filled context field.
 */
import type { HttpResponse } from '../http/response.js';
import type { VariantSelection } from './context.js';
import type { CachedFile, CachedTarget } from './file-cache.js';
import type { RequestPath } from './url-path.js';

/** What every resource knows: the decoded path, and what the path itself resolved to. */
interface Mapped {
  readonly path: RequestPath;
  /**
   * What the path resolved to before negotiation or a fallback replaced it (for a directory
   * named with its slash, its index document): the guard judges this and the served file.
   */
  readonly requested: CachedTarget;
  /** Segments after a file the path reached through ('' when none): CGI's PATH_INFO. */
  readonly trailingPath: string;
}

/** A static file to send, through the serve-a-representation primitive (handlers/file.ts). */
export interface FileResource extends Mapped {
  readonly kind: 'file';
  readonly file: CachedFile;
  /** Set when negotiation chose this file as a variant: how it is described. */
  readonly variant: VariantSelection | undefined;
  /** The directory whose index document `file` is, when the path named a directory. */
  readonly indexOf: CachedTarget | undefined;
}

/** A CGI program (handlers/cgi.ts): an executable file with the CGI suffix, never sent as bytes. */
export interface ProgramResource extends Mapped {
  readonly kind: 'program';
  readonly file: CachedFile;
  readonly indexOf: CachedTarget | undefined;
}

/** A directory without an index document: its listing, or the redirect to its slash. */
export interface DirectoryResource extends Mapped {
  readonly kind: 'directory';
  readonly directory: CachedTarget & { kind: 'directory' };
}

/**
 * An answer the map already knows but may only give once the guard has admitted the request:
 * a negotiation's 300 or 406 (whose list of variants says what the folder holds), or the 404
 * of a type map that names no file.
 */
export interface DecidedResource extends Mapped {
  readonly kind: 'decided';
  readonly response: HttpResponse;
}

/** Nothing to serve here: no such name, or a static file named with more path after it. */
export interface MissingResource extends Mapped {
  readonly kind: 'missing';
}

export type Resource = FileResource | ProgramResource | DirectoryResource | DecidedResource | MissingResource;

/** The file or directory whose folder's access rules govern what is sent. */
export function servedTarget(resource: Resource): CachedTarget {
  switch (resource.kind) {
    case 'file':
    case 'program':
      return resource.file;
    case 'directory':
      return resource.directory;
    default:
      return resource.requested;
  }
}
