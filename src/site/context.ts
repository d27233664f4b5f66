/**
 * Everything one request gathers on its way through the site's phases (see phases.ts): the
 * request, its decoded path, what the path resolves to, what the client may do there, who
 * it is, the representation chosen to answer with and where its bytes come from, and fields
 * that every answer to it must carry. One object per request, with a fixed shape.
 */
import { close } from 'node:fs';
import type { HttpRequest } from '../http/handler.js';
import type { HeaderList, HttpResponse } from '../http/response.js';
import type { Governing } from './auth/control-files.js';
import type { SiteAuth } from './auth/site-auth.js';
import type { SiteConfig } from './config.js';
import type { CachedFile, CachedTarget, FileCache } from './file-cache.js';
import type { Permissions } from './methods.js';
import type { ByteSource, Representation } from './representation.js';
import { takesAddedFields } from './response-fields.js';
import type { RequestPath } from './url-path.js';

/** A variant chosen by negotiation: how to describe it when it is sent. */
export interface VariantSelection {
  /** The representation of the chosen file as a negotiated response (structured ETag, Vary...). */
  represent(file: CachedFile): Representation;
}

/** The unsafe methods a control file allows in its directory tree. */
export interface Grants {
  readonly put: boolean;
  readonly delete: boolean;
}

export const NO_GRANTS: Grants = Object.freeze({ put: false, delete: false });

/** What the site's phases share: its configuration and its caches. */
export interface Site {
  readonly config: SiteConfig;
  readonly cache: FileCache;
  /** Control files, the Digest nonce secret and counts. */
  readonly auth: SiteAuth;
}

export class RequestContext {
  /** The decoded path; set by the target phase (undefined for `OPTIONS *`). */
  path: RequestPath | undefined = undefined;
  /** What the path resolves to; set by the resolve phase. */
  target: CachedTarget | undefined = undefined;
  /** Segments after a file the path reached through (CGI's PATH_INFO), '' when none. */
  trailingPath = '';
  /** The directory whose index document `target` is, when the path named a directory. */
  indexOf: CachedTarget | undefined = undefined;
  /** What the client may do with the target; set by the permission phase. */
  permissions: Permissions;
  /**
   * What the governing auth control file grants beyond reading (its ALLOW-PUT and
   * ALLOW-DELETE lines, docs/serve.md, uploads); set by the auth phase.
   */
  grants: Grants = NO_GRANTS;
  /**
   * The target the auth phases last judged and the control file that governed it (null when
   * none did): a target replaced later (negotiation, fallback) is judged again by its own.
   */
  authorizedTarget: CachedTarget | undefined = undefined;
  authorizedBy: Governing | undefined = undefined;
  /** The authenticated user and scheme, for the log and CGI (REMOTE_USER, AUTH_TYPE). */
  user: string | undefined = undefined;
  authType: string | undefined = undefined;
  /** Set by negotiation when `target` is a variant chosen for this request. */
  variant: VariantSelection | undefined = undefined;
  /** The representation selected to answer with, and where its bytes come from. */
  selected: Representation | undefined = undefined;
  source: ByteSource | undefined = undefined;
  /**
   * Fields every answer to this request carries, whatever its status (Authentication-Info,
   * and later CORS): added once the answer is known.
   */
  extraFields: Array<readonly [string, string]> | undefined = undefined;
  /** The operator's fields for this path (`--header`...), added if the status takes them. */
  successFields: HeaderList | undefined = undefined;

  constructor(
    readonly request: HttpRequest,
    readonly site: Site,
  ) {
    this.permissions = { trace: site.config.trace };
  }

  addField(name: string, value: string): void {
    (this.extraFields ??= []).push([name, value]);
  }

  /** A descriptor opened for this request that no response body took: closed with the answer. */
  releaseSource(): void {
    const source = this.source;
    if (source?.kind === 'descriptor') close(source.fd, () => undefined);
    this.source = undefined;
  }

  /** The source, handed to a response body: the context no longer closes it. */
  takeSource(): ByteSource | undefined {
    const source = this.source;
    this.source = undefined;
    return source;
  }

  /** The answer as it leaves the site: with the extra fields and the user for the log. */
  finish(response: HttpResponse): HttpResponse {
    this.releaseSource();
    let extra: HeaderList | undefined = this.extraFields;
    const added = this.successFields;
    if (added !== undefined && takesAddedFields(response.status)) extra = extra === undefined ? added : [...extra, ...added];
    const user = this.user;
    if (extra === undefined && user === undefined) return response;
    const headers = extra === undefined ? response.headers : [...response.headers, ...extra];
    // One literal of fixed shape rather than a spread (which profiled at ~3% of a protected S1).
    return {
      status: response.status,
      reason: response.reason,
      headers,
      sharedFields: response.sharedFields,
      body: response.body,
      close: response.close,
      user,
      stableAs: response.stableAs,
    };
  }
}
