/**
 * Filter `authentication-info`: Digest's Authentication-Info (RFC 7616 section 3.5, the
 * server's proof and the next nonce) on whatever answers a request the guard admitted.
 */
import type { HeaderList } from '../../http/response.js';
import type { ResponseFilter } from './filter.js';

export const authenticationInfoFilter: ResponseFilter = {
  name: 'authentication-info',
  wanted: () => true,
  fields(ctx) {
    const info = ctx.authenticationInfo;
    return info === undefined ? undefined : ([['Authentication-Info', info]] as HeaderList);
  },
};
