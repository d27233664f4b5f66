/**
 * Digest nonces without server state (RFC 7616 section 3.3, docs/serve.md, authentication): a nonce is
 * the time it was issued and an HMAC of that time and the realm under the server secret, so
 * every worker and every host sharing `--secret` can check any nonce any of them issued,
 * and an old one is recognised as stale rather than forged.
 *
 * Nonce counts (the replay defence) are the one piece of state: per process, per nonce, the
 * last count accepted. A process that has not seen a nonce accepts only nc=00000001 from it
 * and otherwise asks for a fresh nonce (stale=true): the client retries transparently.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a nonce is good for; after that it is stale (the client retries with a new one). */
export const NONCE_LIFETIME_MS = 5 * 60 * 1000;

const TIME_BYTES = 6;
const MAC_BYTES = 18;

function mac(secret: Buffer, realm: string, time: Buffer): Buffer {
  return createHmac('sha256', secret).update(time).update(realm, 'utf8').digest().subarray(0, MAC_BYTES);
}

/** A nonce issued at `timeMs` for `realm` (base64url: no characters that need quoting). */
export function makeNonce(secret: Buffer, realm: string, timeMs: number): string {
  const time = Buffer.alloc(TIME_BYTES);
  time.writeUIntBE(Math.floor(timeMs), 0, TIME_BYTES);
  return Buffer.concat([time, mac(secret, realm, time)]).toString('base64url');
}

export type NonceCheck = { readonly kind: 'valid'; readonly issuedAt: number } | { readonly kind: 'stale'; readonly issuedAt: number } | { readonly kind: 'invalid' };

const INVALID: NonceCheck = { kind: 'invalid' };

/** Whether this server issued `nonce` for `realm`, and whether it is still fresh. */
export function checkNonce(secret: Buffer, realm: string, nonce: string, now: number): NonceCheck {
  if (nonce.length !== Math.ceil(((TIME_BYTES + MAC_BYTES) * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(nonce)) return INVALID;
  const bytes = Buffer.from(nonce, 'base64url');
  if (bytes.length !== TIME_BYTES + MAC_BYTES) return INVALID;
  const time = bytes.subarray(0, TIME_BYTES);
  if (!timingSafeEqual(bytes.subarray(TIME_BYTES), mac(secret, realm, time))) return INVALID;
  const issuedAt = time.readUIntBE(0, TIME_BYTES);
  // A nonce from the future was made with this secret by a host with a fast clock: fresh.
  if (now - issuedAt > NONCE_LIFETIME_MS) return { kind: 'stale', issuedAt };
  return { kind: 'valid', issuedAt };
}

/** The opaque value for a realm: constant, derived from the secret, returned unchanged by clients. */
export function makeOpaque(secret: Buffer, realm: string): string {
  return createHmac('sha256', secret).update('opaque\0').update(realm, 'utf8').digest().subarray(0, 16).toString('hex');
}

/** The last nonce count accepted per nonce, in this process; bounded, expired nonces pruned. */
export class NonceCounts {
  private readonly last = new Map<string, { count: number; issuedAt: number }>();

  constructor(private readonly maxNonces = 100_000) {}

  /**
   * Accepts `count` for `nonce` if it is exactly the next one (1 for a nonce not seen here),
   * and records it; false for a replay, a skip, or a nonce this process never counted.
   */
  accept(nonce: string, count: number, issuedAt: number, now: number): boolean {
    const seen = this.last.get(nonce);
    const expected = seen === undefined ? 1 : seen.count + 1;
    if (count !== expected) return false;
    if (seen !== undefined) {
      seen.count = count;
      return true;
    }
    if (this.last.size >= this.maxNonces) this.prune(now);
    this.last.set(nonce, { count, issuedAt });
    return true;
  }

  private prune(now: number): void {
    for (const [nonce, entry] of this.last) if (now - entry.issuedAt > NONCE_LIFETIME_MS) this.last.delete(nonce);
    // Still full of live nonces: drop the oldest half (their clients get stale=true and retry).
    if (this.last.size >= this.maxNonces) {
      let drop = Math.ceil(this.last.size / 2);
      for (const nonce of this.last.keys()) {
        if (drop-- <= 0) break;
        this.last.delete(nonce);
      }
    }
  }
}
