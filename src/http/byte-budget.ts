/**
 * One budget for the request bytes all connections of a server hold in memory (docs/protocol.md,
 * connections: the request bytes all connections hold have one global budget). Each connection is bounded on
 * its own (a head, a pipelined batch, a window of body bytes), but ten thousand connections
 * times a bound is still a lot; past the budget, connections that receive more stop being
 * read until the total falls again, and new request bodies are refused (503).
 */
export interface BudgetMember {
  /** Called when the budget has room again, for a member that was told to wait. */
  resumeFromBudget(): void;
}

export class ByteBudget {
  private used = 0;
  private readonly waiting = new Set<BudgetMember>();

  constructor(readonly limit: number) {}

  get bytes(): number {
    return this.used;
  }

  /** The budget is spent: hold off. */
  get exhausted(): boolean {
    return this.used >= this.limit;
  }

  /** Spent even without the `own` bytes of the asking connection. */
  exhaustedBeyond(own: number): boolean {
    return this.used - own >= this.limit;
  }

  /** Adds (or, negative, releases) bytes held. */
  adjust(delta: number): void {
    this.used += delta;
    // Resume the waiting once there is a quarter of the budget free, not at every byte.
    if (delta < 0 && this.waiting.size > 0 && this.used <= this.limit * 0.75) this.wake();
  }

  /** `member` will not read until resumeFromBudget() is called. */
  wait(member: BudgetMember): void {
    this.waiting.add(member);
  }

  forget(member: BudgetMember): void {
    this.waiting.delete(member);
  }

  private wake(): void {
    const members = [...this.waiting];
    this.waiting.clear();
    for (const member of members) member.resumeFromBudget();
  }
}
