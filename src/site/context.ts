/**
 * Everything one request gathers on its way through the site's stages (see stages.ts): the
 * request; the map stages' working state and the typed resource they end with; what the
 * guard found (who the client is, what it may do); and the file handler's chosen
 * representation and the source of its bytes. One object per request, with a fixed shape.
 */
import { close } from 'node:fs';
import type { HttpRequest } from '../http/handler.js';
import type { HeaderList, HttpResponse } from '../http/response.js';
import type { Governing } from './auth/control-files.js';
import type { SiteAuth } from './auth/site-auth.js';
import type { SiteConfig } from './config.js';
import type { CachedFile, CachedTarget, FileCache } from './file-cache.js';
import type { Permissions } from './methods.js';
import type { Negotiator } from './negotiation/negotiator.js';
import type { ByteSource, Representation } from './representation.js';
import type { ResponseFilter } from './filters/filter.js';
import type { Resource } from './resource.js';
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

/** What the site's stages share: its configuration and its caches. */
export interface Site {
  readonly config: SiteConfig;
  readonly cache: FileCache;
  /** Control files, the Digest nonce secret and counts. */
  readonly auth: SiteAuth;
  /** Variant lists and choices for content negotiation (map/negotiate.ts). */
  readonly negotiator: Negotiator;
  /** The response filters this configuration needs, in order (stages.ts). */
  readonly filters: readonly ResponseFilter[];
}

export class RequestContext {
  // The map stages' working state (map/*.ts): what the path means so far.
  /** The decoded path; set by the target stage (undefined only for `OPTIONS *`). */
  path: RequestPath | undefined = undefined;
  /** What the path resolves to; set by resolve, replaced by negotiation or a fallback. */
  target: CachedTarget | undefined = undefined;
  /** What resolve found, before anything replaced it: the guard judges it too. */
  requested: CachedTarget | undefined = undefined;
  /** Segments after a file the path reached through (CGI's PATH_INFO), '' when none. */
  trailingPath = '';
  /** The directory whose index document `target` is, when the path named a directory. */
  indexOf: CachedTarget | undefined = undefined;
  /** Set by negotiation when `target` is a variant chosen for this request. */
  variant: VariantSelection | undefined = undefined;
  /** An answer negotiation decided on, given once the guard admits the request. */
  decided: HttpResponse | undefined = undefined;

  /** The typed outcome of the map stages (map/classify.ts); what the guard and handler use. */
  resource: Resource | undefined = undefined;

  // The guard's findings (guard/*.ts).
  /** What the client may do with the resource; set by the permission stage. */
  permissions: Permissions;
  /**
   * What the governing auth control file grants beyond reading (its ALLOW-PUT and
   * ALLOW-DELETE lines, docs/serve.md, uploads); set by the auth stage.
   */
  grants: Grants = NO_GRANTS;
  /** The control file that admitted the request last (null: none governs), to judge a second target cheaply. */
  authorizedBy: Governing | undefined = undefined;
  /** The authenticated user and scheme, for the log and CGI (REMOTE_USER, AUTH_TYPE). */
  user: string | undefined = undefined;
  authType: string | undefined = undefined;
  /** Digest's Authentication-Info for the answer (RFC 7616 section 3.5), added by its filter. */
  authenticationInfo: string | undefined = undefined;

  // The file handler's working state (serve-file/*.ts).
  /** The representation selected to answer with, and where its bytes come from. */
  selected: Representation | undefined = undefined;
  source: ByteSource | undefined = undefined;

  constructor(
    readonly request: HttpRequest,
    readonly site: Site,
  ) {
    this.permissions = { trace: site.config.trace };
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

  /** The answer as it leaves the site: with the response filters' fields and the user for the log. */
  finish(response: HttpResponse): HttpResponse {
    this.releaseSource();
    let extra: HeaderList | undefined;
    for (const filter of this.site.filters) {
      const fields = filter.fields(this, response);
      if (fields !== undefined) extra = extra === undefined ? fields : [...extra, ...fields];
    }
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
