/**
 * Successful Basic checks remembered, so that a browser, which sends the same credentials
 * with every request, pays for a bcrypt (tens of milliseconds) once and not per request.
 *
 * A key is the stored hash (the user's line) and the SHA-256 of user and password: a
 * changed line never matches an old entry, and the cache holds no password in a form that can
 * be read back. Least recently used entries go first past MAX_VERIFIED (about 200 bytes each).
 * Checks of the same key already running are shared, so a page's parallel requests start one.
 */
import { createHash } from 'node:crypto';
import type { MaybePromise } from '../../maybe-async.js';

export const MAX_VERIFIED = 1024;

export class VerifiedPasswords {
  /** Map order is insertion order: the first key is the least recently used. */
  private readonly verified = new Map<string, true>();
  private readonly running = new Map<string, Promise<boolean>>();

  constructor(private readonly capacity = MAX_VERIFIED) {}

  static key(storedHash: string, user: string, password: string): string {
    return `${storedHash}\n${createHash('sha256').update(`${user}:${password}`, 'utf8').digest('base64')}`;
  }

  get size(): number {
    return this.verified.size;
  }

  /** `check()`'s answer for `key`, from memory when it said yes before. */
  matches(key: string, check: () => MaybePromise<boolean>): MaybePromise<boolean> {
    if (this.verified.delete(key)) {
      this.verified.set(key, true);
      return true;
    }
    const already = this.running.get(key);
    if (already !== undefined) return already;
    const answer = check();
    if (!(answer instanceof Promise)) {
      if (answer) this.remember(key);
      return answer;
    }
    const shared = answer.then((yes) => {
      if (yes) this.remember(key);
      return yes;
    });
    this.running.set(key, shared);
    // The entry goes either way; a rejection is the caller's, through `shared`.
    const forget = (): void => void this.running.delete(key);
    shared.then(forget, forget);
    return shared;
  }

  private remember(key: string): void {
    if (this.verified.size >= this.capacity) {
      const oldest = this.verified.keys().next();
      if (oldest.done !== true) this.verified.delete(oldest.value);
    }
    this.verified.set(key, true);
  }
}
