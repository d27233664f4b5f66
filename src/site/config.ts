import type { ContentCoding } from './compression/accept-encoding.js';
import { processCompressionBudget, type CompressionBudget } from './compression/compression-budget.js';
import { SITE_DEFAULTS } from './defaults.js';
import type { DotfilePolicy } from './hidden-names.js';
import { DEFAULT_EXTENSION_MAPS, type ExtensionMaps } from './media-type.js';
import type { RedirectRule } from './redirects.js';
import type { PathFields } from './response-fields.js';

/** Everything the site layer needs to know about the document root and its options. */
export interface SiteConfig {
  /** Absolute, symlink-free path of the document root. */
  readonly root: string;
  /** Default documents for a directory, tried in order. */
  readonly indexNames: readonly string[];
  readonly redirects: readonly RedirectRule[];
  /** Name of the per-directory auth control file: never served or listed. */
  readonly authFileName: string;
  /** Key for Digest nonces (`--secret`); when absent, random for this process. */
  readonly secret?: string | undefined;
  /** Dotfiles: refused and unlisted ('deny') or served ('allow'); /.well-known/ always served. */
  readonly dotfiles: DotfilePolicy;
  /** The TRACE method (RFC 9110 section 9.3.8). */
  readonly trace: boolean;
  /** `--cors`: answer preflights and let any origin read the answers. */
  readonly cors: boolean;
  /** What a missing path may be answered with instead of 404 (map/fallback.ts). */
  readonly fallback: { readonly cleanUrls: boolean; readonly spa: string | undefined };
  /** The operator's fields, per path prefix (`--header`, `--cache-control`, `--max-age`). */
  readonly addedFields: readonly PathFields[];
  /** Content codings offered for compressible files, in order of preference; empty: off. */
  readonly compression: readonly ContentCoding[];
  /** Compressions at once and the copies kept (compression-budget.ts); by default the process's own. */
  readonly compressionBudget: CompressionBudget;
  /** CGI programs: how they are recognised and run, or false when none are run. */
  readonly cgi: CgiSettings | false;
  readonly extensionMaps: ExtensionMaps;
  /** Transparent content negotiation among `name.*` variants and type maps. */
  readonly multiviews: boolean;
  /** When set, GET /.well-known/access.log serves what this returns. */
  readonly accessLogSnapshot: (() => Promise<Buffer>) | undefined;
  /** When set, GET on this path answers 200 without looking at the root (--health). */
  readonly healthPath?: string | undefined;
  /** Where causes of error answers go (a 403 for a permission error, a failed write...). */
  readonly reportError: (error: unknown) => void;
}

/** CGI programs (docs/serve.md, CGI programs). */
export interface CgiSettings {
  /** File-name suffix of programs, like '.cgi' (compared without regard to case). */
  readonly extension: string;
  /** A program running longer is killed (504 when nothing was sent yet). */
  readonly timeoutMs: number;
  /** Most programs running at once in this process, 503 beyond; default 16 per CPU core. */
  readonly maxPrograms?: number;
  /** The PATH programs get: the one value of porta's own environment they see. */
  readonly searchPath: string;
}

/**
 * What a caller says about a site: the root and where errors go, and any setting it wants
 * other than the default. `defaultCharset`: a name, null for none, absent for the default.
 */
export type SiteSettings = Pick<SiteConfig, 'root' | 'reportError'> &
  Partial<Omit<SiteConfig, 'root' | 'reportError' | 'extensionMaps'>> & { readonly defaultCharset?: string | null };

/** The one place a site's defaults are applied: `porta serve`, `startServer()` and the tests' server. */
export function makeSiteConfig(settings: SiteSettings): SiteConfig {
  const { defaultCharset, ...rest } = settings;
  // A setting given as undefined is a setting not given.
  const given = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as typeof rest;
  return {
    indexNames: SITE_DEFAULTS.indexNames,
    redirects: [],
    authFileName: SITE_DEFAULTS.authFileName,
    dotfiles: SITE_DEFAULTS.dotfiles,
    trace: SITE_DEFAULTS.trace,
    cgi: false,
    cors: SITE_DEFAULTS.cors,
    fallback: { cleanUrls: false, spa: undefined },
    addedFields: [],
    compression: SITE_DEFAULTS.compression,
    compressionBudget: processCompressionBudget(),
    multiviews: SITE_DEFAULTS.multiviews,
    accessLogSnapshot: undefined,
    ...given,
    extensionMaps: { ...DEFAULT_EXTENSION_MAPS, defaultCharset: defaultCharset === null ? undefined : (defaultCharset ?? SITE_DEFAULTS.defaultCharset) },
  };
}
