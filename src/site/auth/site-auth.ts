/** A site's authentication state: the control-file cache, the nonce secret and counts, the verified Basic passwords. */
import { randomBytes } from 'node:crypto';
import { ControlFiles } from './control-files.js';
import { NonceCounts } from './nonce-counts.js';
import { newIssuer } from './nonces.js';
import { VerifiedPasswords } from './verified-passwords.js';
import type { AuthSecrets } from './verify.js';

export interface SiteAuth extends AuthSecrets {
  readonly files: ControlFiles;
  readonly verified: VerifiedPasswords;
}

export interface SiteAuthOptions {
  readonly root: string;
  readonly fileName: string;
  /** `--secret`; undefined: random for this process (one server, or a single worker). */
  readonly secret: string | undefined;
  readonly freshnessMs: number;
  readonly report: (error: Error) => void;
  /** The clock control files' freshness is judged by (Date.now by default). */
  readonly clock?: () => number;
}

export function createSiteAuth(options: SiteAuthOptions): SiteAuth {
  return {
    files: new ControlFiles({
      root: options.root,
      fileName: options.fileName,
      freshnessMs: options.freshnessMs,
      maxDirectories: 10_000,
      report: options.report,
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
    }),
    secret: options.secret !== undefined ? Buffer.from(options.secret, 'utf8') : randomBytes(32),
    issuer: newIssuer(),
    counts: new NonceCounts(),
    verified: new VerifiedPasswords(),
  };
}
