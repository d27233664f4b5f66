/**
 * Checking credentials against a control file's rules: Basic (RFC 7617) and Digest
 * (RFC 7616, qop=auth, MD5 or SHA-256). Hashes are compared in constant time, and an
 * unknown user is checked against a stand-in hash, so a wrong name and a wrong password take
 * the same work and get the same answer. A Basic check of a bcrypt line runs on another
 * thread (the answer is a promise); MD5-crypt and bcrypt successes are remembered.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '../../http/handler.js';
import { andThen, type MaybePromise } from '../../maybe-async.js';
import type { Credentials } from './authorization.js';
import type { AuthRules, DigestAlgorithm } from './control-file.js';
import type { NonceCounts } from './nonce-counts.js';
import { checkNonce, makeOpaque } from './nonces.js';
import { passwordMatches, type PasswordHash } from './password-hash.js';
import { VerifiedPasswords } from './verified-passwords.js';

export interface AuthSecrets {
  /** Key of the Digest nonces (`--secret`, or random per start). */
  readonly secret: Buffer;
  /** This process as the issuer of nonces: only its own nonces are counted here. */
  readonly issuer: Buffer;
  readonly counts: NonceCounts;
}

export type Verdict =
  | { readonly ok: true; readonly user: string; readonly info: string | undefined }
  /**
   * Refused: answer 401 with a new challenge (stale=true when only the nonce or count was
   * old); `user` is the name that was tried, for the access log.
   */
  | { readonly ok: false; readonly stale: boolean; readonly user?: string }
  /** The request itself is wrong (Digest uri naming another resource): 400 with this message. */
  | { readonly ok: 'bad'; readonly message: string };

const REFUSED: Verdict = { ok: false, stale: false };

function hashHex(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(text, 'utf8').digest('hex');
}

/** Equal-length lower-case hex strings compared without an early exit. */
function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'latin1');
  const right = Buffer.from(b, 'latin1');
  return left.length === right.length && timingSafeEqual(left, right);
}

const STAND_IN_MD5 = '0'.repeat(32);
const STAND_IN_SHA256 = '0'.repeat(64);

/**
 * Basic: `base64(user:password)`, the password checked against the user's line. The answer
 * is a promise only for a bcrypt line not verified before (it may reject with an HttpError
 * 503 when the bcrypt thread is saturated).
 */
export function verifyBasic(rules: AuthRules, credentials: Credentials, verified: VerifiedPasswords): MaybePromise<Verdict> {
  const token = credentials.token68;
  if (token === undefined) return REFUSED;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return REFUSED;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const stored = rules.passwords.get(user);
  const hash = stored ?? rules.standIn;
  const matches = isSlow(hash) ? verified.matches(VerifiedPasswords.key(hash.text, user, password), () => passwordMatches(hash, password)) : passwordMatches(hash, password);
  return andThen(matches, (yes): Verdict => (stored !== undefined && yes ? { ok: true, user, info: undefined } : { ok: false, stale: false, user }));
}

/** Worth remembering: MD5-crypt (1,000 MD5 rounds, about a millisecond) and bcrypt (tens of ms); the others cost less than the key. */
function isSlow(hash: PasswordHash): boolean {
  return hash.kind === 'bcrypt' || hash.kind === 'md5-crypt';
}

const NC = /^[0-9a-fA-F]{8}$/;

/**
 * Digest (RFC 7616 section 3.4): response = H(HA1:nonce:nc:cnonce:qop:H(method:uri)), with
 * HA1 from the user's line; the uri must name this request-target; the nonce must be ours,
 * fresh, and its count the next one.
 */
export function verifyDigest(rules: AuthRules, credentials: Credentials, request: HttpRequest, secrets: AuthSecrets, now: number): Verdict {
  const p = credentials.params;
  const user = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  const qop = p.get('qop');
  const nc = p.get('nc');
  const cnonce = p.get('cnonce');
  if (user === undefined) return REFUSED;
  // Every refusal from here on names the user tried, for the access log.
  const refused: Verdict = { ok: false, stale: false, user };
  if (realm === undefined || nonce === undefined || uri === undefined || response === undefined) return refused;
  if (qop?.toLowerCase() !== 'auth' || nc === undefined || !NC.test(nc) || cnonce === undefined || cnonce === '') return refused;
  const algorithm = p.get('algorithm');
  if (algorithm !== undefined && algorithm.toUpperCase() !== rules.algorithm) return refused;
  const opaque = p.get('opaque');
  if (opaque !== undefined && opaque !== makeOpaque(secrets.secret, rules.realm)) return refused;
  // RFC 7616 section 3.4.6: credentials for another resource are a bad request.
  if (uri !== request.target && uri !== request.pathAndQuery) return { ok: 'bad', message: 'The Digest uri parameter does not name the request-target.' };
  if (realm !== rules.realm) return refused;
  const nonceCheck = checkNonce(secrets.secret, rules.realm, nonce, now, secrets.issuer);
  if (nonceCheck.kind === 'invalid') return refused;

  const h = (text: string): string => hashHex(rules.algorithm, text);
  const stored = rules.users.get(user);
  const ha1 = stored ?? (rules.algorithm === 'MD5' ? STAND_IN_MD5 : STAND_IN_SHA256);
  const expected = h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${h(`${request.method}:${uri}`)}`);
  const matches = sameHex(expected, response.toLowerCase());
  if (stored === undefined || !matches) return refused;
  // The password was right but the nonce is old, another process's, or its count was used (a
  // replay is logged under the user it names): stale=true, RFC 7616 section 3.5.
  const stale: Verdict = { ok: false, stale: true, user };
  if (nonceCheck.kind === 'stale') return stale;
  if (!secrets.counts.accept(user, nonce, Number.parseInt(nc, 16), nonceCheck.issuedAt, now)) return stale;
  const rspauth = h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${h(`:${uri}`)}`);
  return { ok: true, user, info: `rspauth="${rspauth}", qop=auth, nc=${nc}, cnonce="${cnonce.replace(/["\\]/g, (c) => `\\${c}`)}"` };
}
