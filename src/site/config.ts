import type { DotfilePolicy } from './hidden-names.js';
import type { ExtensionMaps } from './media-type.js';
import type { RedirectRule } from './redirects.js';

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
  readonly traceEnabled: boolean;
  readonly cgiEnabled: boolean;
  readonly extensionMaps: ExtensionMaps;
  /** When set, GET /.well-known/access.log serves what this returns. */
  readonly accessLogSnapshot: (() => Promise<Buffer>) | undefined;
  /** Where causes of error answers go (a 403 for a permission error, a failed write...). */
  readonly reportError: (error: unknown) => void;
}
