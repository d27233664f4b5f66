/**
 * What a site is when nobody says otherwise: the one place the defaults of `porta serve`,
 * `startServer()` and the tests' server come from (the CLI's help text states the same).
 */
import type { ContentCoding } from './compression/accept-encoding.js';
import type { DotfilePolicy } from './hidden-names.js';

export const SITE_DEFAULTS = {
  indexNames: ['index.html'] as readonly string[],
  /** The course's name for the per-directory auth control file. */
  authFileName: 'WeMustProtectThisHouse!',
  dotfiles: 'deny' as DotfilePolicy,
  trace: true,
  compression: ['br', 'gzip'] as readonly ContentCoding[],
  cors: false,
  multiviews: true,
  /** Added to text, JavaScript and JSON types whose name says no charset. */
  defaultCharset: 'utf-8',
} as const;
