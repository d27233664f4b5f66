/** The 401 answer: a challenge for the governing file's scheme and realm (RFC 9110 section 11.6.1). */
import { HttpError } from '../../http/http-error.js';
import { quoteString } from './authorization.js';
import type { AuthRules } from './control-file.js';
import { makeNonce, makeOpaque } from './nonces.js';
import type { AuthSecrets } from './verify.js';

/** The same sentence for every refusal: a wrong name and a wrong password look alike. */
const MESSAGE = 'This resource is protected. The credentials were missing or were not accepted; a browser asks for a user name and password.';

export function challenge(rules: AuthRules, secrets: AuthSecrets, stale: boolean, now: number): HttpError {
  const secret = secrets.secret;
  const realm = quoteString(rules.realm);
  const value =
    rules.scheme === 'Basic'
      ? `Basic realm=${realm}`
      : `Digest realm=${realm}, qop="auth", nonce="${makeNonce(secret, rules.realm, now, secrets.issuer)}", opaque="${makeOpaque(secret, rules.realm)}", algorithm=${rules.algorithm}${stale ? ', stale=true' : ''}`;
  return new HttpError(401, MESSAGE, { headers: [['WWW-Authenticate', value]] });
}
