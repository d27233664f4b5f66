/**
 * The replay defence of Digest (RFC 7616 section 3.4: the client counts the requests it makes
 * with one nonce in `nc`, so the server can refuse a count it has already seen). The table
 * remembers, per nonce, the last count accepted and the user who made it; a count is
 * accepted only if it is exactly the next one (1 for a nonce not counted yet).
 *
 * Its memory is bounded, and forgetting never re-opens a nonce. Whenever an entry must go
 * (the table or its user's share is full, or it has expired), the user's closing mark is
 * raised to that nonce's issue time: from then on, a nonce of that user issued at or before
 * the mark and not in the table is refused. Its client is answered stale=true and retries
 * with a new nonce, issued after the mark. The response hash binds the user name
 * (RFC 7616 section 3.4.1), so a captured request cannot be replayed under another name:
 * what must never happen twice is one user's (nonce, count), and marks are per user.
 *
 * Fairness: one user holds at most `maxPerUser` entries, and what goes when that share is full
 * is that user's own oldest. Only when the whole table is full does one user's activity
 * push out another's entry, and that costs the other user a retry, never a replay.
 */
import { NONCE_LIFETIME_MS } from './nonces.js';

export interface NonceCountLimits {
  /** Nonces counted at once, all users together (about 200 bytes each). */
  readonly maxNonces: number;
  /** Nonces one user may have counted at once. */
  readonly maxPerUser: number;
  /** Users with a closing mark of their own; beyond that, marks merge into one for everyone. */
  readonly maxMarks: number;
}

export const DEFAULT_NONCE_COUNT_LIMITS: NonceCountLimits = { maxNonces: 100_000, maxPerUser: 10_000, maxMarks: 10_000 };

/**
 * One counted nonce. It sits in two lists, oldest first, each with O(1) removal: the table's
 * (what goes when the table is full) and its user's (what goes when the user's share is full).
 * Linked lists rather than the Maps' own order: taking the first entry of a Map that keeps
 * losing its first entries walks over the deleted slots, which made every insertion O(n).
 */
interface Entry {
  readonly nonce: string;
  readonly user: UserNonces;
  readonly issuedAt: number;
  count: number;
  older: Entry | undefined;
  newer: Entry | undefined;
  olderOfUser: Entry | undefined;
  newerOfUser: Entry | undefined;
}

interface UserNonces {
  readonly name: string;
  oldest: Entry | undefined;
  newest: Entry | undefined;
  size: number;
}

export class NonceCounts {
  private readonly entries = new Map<string, Entry>();
  private oldest: Entry | undefined = undefined;
  private newest: Entry | undefined = undefined;
  private readonly users = new Map<string, UserNonces>();
  /** Per user: uncounted nonces issued at or before this time are refused. */
  private readonly marks = new Map<string, number>();
  /** The same for every user: marks merged when there were too many to keep apart. */
  private markForAll = Number.NEGATIVE_INFINITY;

  private readonly limits: NonceCountLimits;

  constructor(limits: Partial<NonceCountLimits> = {}) {
    this.limits = { ...DEFAULT_NONCE_COUNT_LIMITS, ...limits };
  }

  /** Nonces counted now (for tests and the memory bound). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Accepts `count` for `nonce` from `user` if it is exactly the next one, and records it;
   * false for a replay, a skip, another user's nonce, or a nonce this table has forgotten.
   */
  accept(user: string, nonce: string, count: number, issuedAt: number, now: number): boolean {
    const known = this.entries.get(nonce);
    if (known !== undefined) {
      if (known.user.name !== user || count !== known.count + 1) return false;
      known.count = count;
      return true;
    }
    if (count !== 1 || issuedAt <= this.markFor(user, now)) return false;
    this.makeRoom(user, now);
    let own = this.users.get(user);
    if (own === undefined) this.users.set(user, (own = { name: user, oldest: undefined, newest: undefined, size: 0 }));
    const entry: Entry = { nonce, user: own, issuedAt, count, older: this.newest, newer: undefined, olderOfUser: own.newest, newerOfUser: undefined };
    if (this.newest !== undefined) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
    if (own.newest !== undefined) own.newest.newerOfUser = entry;
    else own.oldest = entry;
    own.newest = entry;
    own.size++;
    this.entries.set(nonce, entry);
    return true;
  }

  private markFor(user: string, now: number): number {
    const mark = this.marks.get(user);
    if (mark === undefined) return this.markForAll;
    // A mark past the lifetime closes only expired nonces: it can be everyone's.
    if (mark <= this.markForAll || now - mark > NONCE_LIFETIME_MS) {
      this.marks.delete(user);
      this.raiseMarkForAll(mark);
      return this.markForAll;
    }
    return mark;
  }

  private makeRoom(user: string, now: number): void {
    // Expired entries at the head go first (each is removed once: amortised constant time).
    while (this.oldest !== undefined && now - this.oldest.issuedAt > NONCE_LIFETIME_MS) this.forget(this.oldest, now);
    const own = this.users.get(user);
    if (own?.oldest !== undefined && own.size >= this.limits.maxPerUser) this.forget(own.oldest, now);
    if (this.oldest !== undefined && this.entries.size >= this.limits.maxNonces) this.forget(this.oldest, now);
  }

  /** Drops an entry and closes its nonce: its user's mark rises to its issue time. */
  private forget(entry: Entry, now: number): void {
    this.entries.delete(entry.nonce);
    if (entry.older !== undefined) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer !== undefined) entry.newer.older = entry.older;
    else this.newest = entry.older;
    const own = entry.user;
    if (entry.olderOfUser !== undefined) entry.olderOfUser.newerOfUser = entry.newerOfUser;
    else own.oldest = entry.newerOfUser;
    if (entry.newerOfUser !== undefined) entry.newerOfUser.olderOfUser = entry.olderOfUser;
    else own.newest = entry.olderOfUser;
    if (--own.size === 0) this.users.delete(own.name);

    // An expired nonce closes for everyone: every nonce issued that early is stale anyway, and
    // the mark still holds should the clock be set back.
    if (now - entry.issuedAt > NONCE_LIFETIME_MS) {
      this.raiseMarkForAll(entry.issuedAt);
      return;
    }
    const mark = this.marks.get(own.name);
    if (mark !== undefined) {
      if (entry.issuedAt > mark) this.marks.set(own.name, entry.issuedAt);
      return;
    }
    if (this.marks.size >= this.limits.maxMarks) this.mergeMarks();
    this.marks.set(own.name, entry.issuedAt);
  }

  /**
   * Too many users with marks: all become one mark for everyone, the latest of them. That
   * costs some clients a retry, never a replay; and it happens once per `maxMarks` new marks.
   */
  private mergeMarks(): void {
    for (const mark of this.marks.values()) this.raiseMarkForAll(mark);
    this.marks.clear();
  }

  private raiseMarkForAll(mark: number): void {
    if (mark > this.markForAll) this.markForAll = mark;
  }
}
