/**
 * One coarse timer for every connection's deadline instead of a timer per connection and
 * per request: a connection only writes a number when its deadline moves, and a sweep
 * every 100 ms calls the ones that have passed. Idle connections thus cost no timer
 * objects, and the hot path no timer-list operations. Deadlines fire up to one tick late,
 * which is fine for time-outs measured in seconds.
 */
export interface HasDeadline {
  /** ms since epoch; 0 = no deadline. */
  deadline: number;
  onDeadline(): void;
}

const TICK_MS = 100;
/**
 * Most deadlines acted on per tick. Ten thousand slow connections that all time out in the
 * same second would otherwise be answered and closed in one burst that stalls every other
 * client; spread over ticks, each costs the event loop a few milliseconds at a time.
 */
export const MAX_EXPIRIES_PER_TICK = 256;

export interface SweeperOptions {
  /** The clock deadlines are set and judged by (Date.now; tests pass their own to skip time). */
  readonly clock?: () => number;
}

export class DeadlineSweeper {
  private readonly members = new Set<HasDeadline>();
  private timer: NodeJS.Timeout | undefined;
  /** The time now by this sweeper's clock: what members set their deadlines from. */
  readonly now: () => number;

  constructor(options: SweeperOptions = {}) {
    this.now = options.clock ?? Date.now;
  }

  add(member: HasDeadline): void {
    this.members.add(member);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), TICK_MS);
      this.timer.unref();
    }
  }

  delete(member: HasDeadline): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Acts on passed deadlines (at most MAX_EXPIRIES_PER_TICK); the timer calls it every tick. */
  sweep(): void {
    const now = this.now();
    let acted = 0;
    for (const member of this.members) {
      if (member.deadline !== 0 && member.deadline <= now) {
        member.deadline = 0;
        member.onDeadline();
        // The rest keep their (passed) deadlines and are acted on at the next tick.
        if (++acted >= MAX_EXPIRIES_PER_TICK) break;
      }
    }
  }
}
