/**
 * The Authorization field `porta get -u` sends: Basic (RFC 7617) at once, and Digest
 * (RFC 7616) in answer to a 401's challenge: choosing among its Digest challenges and
 * computing the response for one request. MD5 and SHA-256 (and their -sess variants),
 * qop=auth; a challenge without qop gets the RFC 2069 response RFC 7616 §3.4.1 still allows.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Challenge } from './auth-challenges.js';

type Algorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  readonly algorithm: Algorithm;
  /** 'auth', or undefined for a challenge without qop (RFC 2069). */
  readonly qop: 'auth' | undefined;
  /** RFC 7616 §3.4.4: the server wants the user name hashed. */
  readonly userhash: boolean;
}

/** Strongest first: RFC 7616 §3.7 lets the client pick the challenge it prefers. */
const PREFERENCE: readonly Algorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/**
 * The Digest challenge to answer, or a sentence saying why none can be (an algorithm or
 * qop this client lacks), or undefined when the server offers no Digest at all.
 */
export function chooseDigest(challenges: readonly Challenge[]): DigestChallenge | string | undefined {
  const digests = challenges.filter((challenge) => challenge.scheme === 'digest');
  if (digests.length === 0) return undefined;
  const usable: DigestChallenge[] = [];
  let problem = 'the server sent a Digest challenge without realm or nonce';
  for (const { params } of digests) {
    const realm = params.get('realm');
    const nonce = params.get('nonce');
    if (realm === undefined || nonce === undefined) continue;
    const named = params.get('algorithm') ?? 'MD5';
    const algorithm = PREFERENCE.find((known) => known.toLowerCase() === named.toLowerCase());
    if (algorithm === undefined) {
      problem = `the server asks for Digest algorithm ${named}, which porta get does not support (MD5, SHA-256)`;
      continue;
    }
    const qops = params.get('qop')?.split(',').map((qop) => qop.trim().toLowerCase());
    if (qops !== undefined && !qops.includes('auth')) {
      problem = `the server asks for Digest qop=${params.get('qop') ?? ''}, which porta get does not support (auth)`;
      continue;
    }
    usable.push({ realm, nonce, opaque: params.get('opaque'), algorithm, qop: qops === undefined ? undefined : 'auth', userhash: params.get('userhash')?.toLowerCase() === 'true' });
  }
  if (usable.length === 0) return problem;
  return [...usable].sort((a, b) => PREFERENCE.indexOf(a.algorithm) - PREFERENCE.indexOf(b.algorithm))[0];
}

export interface DigestRequest {
  readonly user: string;
  readonly password: string;
  readonly method: string;
  /** The request-target, exactly as on the request line (RFC 7616 §3.4.6). */
  readonly uri: string;
  /** Nonce count, 1 for the first use of this nonce. */
  readonly nc?: number;
  /** Client nonce; random when absent. */
  readonly cnonce?: string;
}

/** The value of the Authorization field answering `challenge` (RFC 7616 §3.4). */
export function digestAuthorization(challenge: DigestChallenge, request: DigestRequest): string {
  const { realm, nonce, algorithm, qop } = challenge;
  const h = (text: string): string => createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5').update(text, 'utf8').digest('hex');
  const nc = (request.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = request.cnonce ?? randomBytes(16).toString('hex');
  // §3.4.2: for the -sess variants A1 also binds the nonces.
  const secret = h(`${request.user}:${realm}:${request.password}`);
  const ha1 = algorithm.endsWith('-sess') ? h(`${secret}:${nonce}:${cnonce}`) : secret;
  const ha2 = h(`${request.method}:${request.uri}`);
  const response = qop === undefined ? h(`${ha1}:${nonce}:${ha2}`) : h(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  const params: string[] = [];
  // §3.4.4: with userhash the name goes out hashed; otherwise a name that a quoted-string
  // cannot carry (non-ASCII) uses the username* form of RFC 8187.
  if (challenge.userhash) params.push(`username=${quote(h(`${request.user}:${realm}`))}`);
  else if (/^[\x20-\x7e]*$/.test(request.user)) params.push(`username=${quote(request.user)}`);
  else params.push(`username*=UTF-8''${encodeURIComponent(request.user)}`);
  params.push(`realm=${quote(realm)}`, `uri=${quote(request.uri)}`, `algorithm=${algorithm}`, `nonce=${quote(nonce)}`);
  if (qop !== undefined) params.push(`nc=${nc}`, `cnonce=${quote(cnonce)}`, `qop=${qop}`);
  params.push(`response=${quote(response)}`);
  if (challenge.opaque !== undefined) params.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.userhash) params.push('userhash=true');
  return `Digest ${params.join(', ')}`;
}

/** Basic (RFC 7617): `user:password` in base64, UTF-8 as §2.1's charset parameter intends. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** RFC 9110 §5.6.4 quoted-string. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}
