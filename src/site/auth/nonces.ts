/**
 * Digest nonces (RFC 7616 section 3.3, docs/serve.md, authentication): a nonce is the time
 * it was issued, the process that issued it, a few random bytes, and an HMAC of all that and
 * the realm under the server secret. Any worker (and any host sharing `--secret`) can tell
 * one of its nonces from a forged one, and an old one is recognised as stale.
 *
 * Nonce counts (the replay defence, nonce-counts.ts) are the one piece of state, kept by the
 * process that issued the nonce: only that process accepts it. A nonce another process issued (another
 * worker, another host, this server before a restart) gets stale=true, so the client asks
 * again with a nonce of this process, transparently, one round trip later. So a captured
 * request can never be replayed to a second worker or after a restart.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a nonce is good for; after that it is stale (the client retries with a new one). */
export const NONCE_LIFETIME_MS = 5 * 60 * 1000;

const TIME_BYTES = 6;
const ISSUER_BYTES = 4;
// 6 + 4 + 5 + 18 = 33 bytes, a multiple of 3: base64url then has no spare bits, so no
// second spelling of a nonce decodes to the same bytes.
const RANDOM_BYTES = 5;
const MAC_BYTES = 18;
const SIGNED_BYTES = TIME_BYTES + ISSUER_BYTES + RANDOM_BYTES;
const NONCE_CHARS = Math.ceil(((SIGNED_BYTES + MAC_BYTES) * 4) / 3);

function mac(secret: Buffer, realm: string, signed: Buffer): Buffer {
  return createHmac('sha256', secret).update(signed).update(realm, 'utf8').digest().subarray(0, MAC_BYTES);
}

/** Who issues nonces: one per process start (random), so nonces of another process are told apart. */
export function newIssuer(): Buffer {
  return randomBytes(ISSUER_BYTES);
}

/**
 * A nonce issued at `timeMs` by `issuer` for `realm` (base64url: no characters that need
 * quoting). The random bytes keep two challenges in the same millisecond apart.
 */
export function makeNonce(secret: Buffer, realm: string, timeMs: number, issuer: Buffer): string {
  const signed = Buffer.alloc(SIGNED_BYTES);
  signed.writeUIntBE(Math.floor(timeMs), 0, TIME_BYTES);
  issuer.copy(signed, TIME_BYTES, 0, ISSUER_BYTES);
  randomBytes(RANDOM_BYTES).copy(signed, TIME_BYTES + ISSUER_BYTES);
  return Buffer.concat([signed, mac(secret, realm, signed)]).toString('base64url');
}

export type NonceCheck =
  | { readonly kind: 'valid'; readonly issuedAt: number }
  /** Ours once, but too old, or issued by another process: the client should ask again. */
  | { readonly kind: 'stale'; readonly issuedAt: number }
  | { readonly kind: 'invalid' };

const INVALID: NonceCheck = { kind: 'invalid' };

/** Whether `nonce` was made with this secret for `realm`, and whether this process may count it. */
export function checkNonce(secret: Buffer, realm: string, nonce: string, now: number, issuer: Buffer): NonceCheck {
  if (nonce.length !== NONCE_CHARS || !/^[A-Za-z0-9_-]+$/.test(nonce)) return INVALID;
  const bytes = Buffer.from(nonce, 'base64url');
  if (bytes.length !== SIGNED_BYTES + MAC_BYTES) return INVALID;
  const signed = bytes.subarray(0, SIGNED_BYTES);
  if (!timingSafeEqual(bytes.subarray(SIGNED_BYTES), mac(secret, realm, signed))) return INVALID;
  const issuedAt = signed.readUIntBE(0, TIME_BYTES);
  if (!signed.subarray(TIME_BYTES, TIME_BYTES + ISSUER_BYTES).equals(issuer)) return { kind: 'stale', issuedAt };
  if (now - issuedAt > NONCE_LIFETIME_MS) return { kind: 'stale', issuedAt };
  return { kind: 'valid', issuedAt };
}

/** The opaque value for a realm: constant, derived from the secret, returned unchanged by clients. */
export function makeOpaque(secret: Buffer, realm: string): string {
  return createHmac('sha256', secret).update('opaque\0').update(realm, 'utf8').digest().subarray(0, 16).toString('hex');
}
