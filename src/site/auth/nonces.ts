/**
 * Digest nonces (RFC 7616 section 3.3, docs/serve.md, authentication): a nonce is the time
 * it was issued, the process that issued it, a few random bytes, and an HMAC of all that and
 * the realm under the server secret. Any worker (and any host sharing `--secret`) can tell
 * one of its nonces from a forged one, and an old one is recognised as stale.
 *
 * Nonce counts (the replay defence) are the one piece of state, kept by the process that
 * issued the nonce: only that process accepts it. A nonce another process issued (another
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

/**
 * The last nonce count accepted per nonce, in this process. Bounded: past `maxNonces` the
 * expired entries go, and if it is still full of live ones, the oldest-issued tenth is
 * forgotten, and with it every nonce issued up to the newest of those (`forgottenUpTo`): a
 * forgotten nonce is never accepted again (its client gets stale=true and a new nonce), so
 * making room can cost a client one round trip but never re-open a used nonce.
 */
export class NonceCounts {
  private readonly last = new Map<string, { count: number; issuedAt: number }>();
  /** Nonces issued at or before this time and not in the table are refused. */
  private forgottenUpTo = -1;

  constructor(private readonly maxNonces = 100_000) {}

  /**
   * Accepts `count` for `nonce` if it is exactly the next one (1 for a nonce not seen yet),
   * and records it; false for a replay, a skip, or a nonce forgotten to make room.
   */
  accept(nonce: string, count: number, issuedAt: number, now: number): boolean {
    const seen = this.last.get(nonce);
    if (seen !== undefined) {
      if (count !== seen.count + 1) return false;
      seen.count = count;
      return true;
    }
    if (count !== 1 || issuedAt <= this.forgottenUpTo) return false;
    if (this.last.size >= this.maxNonces) this.makeRoom(now);
    this.last.set(nonce, { count, issuedAt });
    return true;
  }

  /** How many nonces are counted now (for tests and the memory bound). */
  get size(): number {
    return this.last.size;
  }

  private makeRoom(now: number): void {
    // An expired nonce is refused as stale by its time anyway: its count is no longer needed.
    for (const [nonce, entry] of this.last) if (now - entry.issuedAt > NONCE_LIFETIME_MS) this.last.delete(nonce);
    if (this.last.size < this.maxNonces) return;
    const byAge = [...this.last].sort((a, b) => a[1].issuedAt - b[1].issuedAt);
    const drop = byAge.slice(0, Math.max(1, Math.ceil(byAge.length / 10)));
    for (const [nonce, entry] of drop) {
      this.last.delete(nonce);
      if (entry.issuedAt > this.forgottenUpTo) this.forgottenUpTo = entry.issuedAt;
    }
  }
}
