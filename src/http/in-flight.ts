/**
 * Exchanges that have begun and not yet been logged, across a server's connections, so a
 * graceful stop can wait until every request that got (or will get) a status has its
 * access-log line before the log is closed: nothing is lost on SIGTERM.
 */
export class InFlightExchanges {
  private count = 0;
  private waiters: Array<() => void> = [];

  begin(): void {
    this.count++;
  }

  end(): void {
    this.count--;
    if (this.count <= 0) {
      this.count = 0;
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  get size(): number {
    return this.count;
  }

  /** Resolves when no exchange is in flight. */
  settled(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
