/**
 * Filter `cors` (`--cors`): Cross-Origin Resource Sharing for a public site. Every answer,
 * whatever its status, says `Access-Control-Allow-Origin: *` (so scripts on other origins
 * can read errors too) and, except on a preflight (map/cors-preflight.ts), exposes the fields
 * a script may want beyond the safelisted ones. With `*`, browsers send no cookies or
 * credentials on cross-origin requests: protected folders are for same-origin use.
 */
import type { HeaderList } from '../../http/response.js';
import { isPreflight } from '../map/cors-preflight.js';
import type { ResponseFilter } from './filter.js';

const ALLOW_ORIGIN: readonly [string, string] = ['Access-Control-Allow-Origin', '*'];
const EXPOSE: readonly [string, string] = [
  'Access-Control-Expose-Headers',
  'Content-Encoding, Content-Language, Content-Location, Content-Range, ETag, Location, Retry-After, TCN, Alternates, Authentication-Info, WWW-Authenticate',
];
const ON_PREFLIGHT: HeaderList = [ALLOW_ORIGIN];
const ON_OTHERS: HeaderList = [ALLOW_ORIGIN, EXPOSE];

export const corsFilter: ResponseFilter = {
  name: 'cors',
  wanted: (config) => config.cors,
  fields: (ctx) => (isPreflight(ctx.request) ? ON_PREFLIGHT : ON_OTHERS),
};
