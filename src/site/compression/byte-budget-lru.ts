/**
 * A least-recently-used map whose values together cost at most `budgetBytes`: adding one
 * evicts the least recently used until it fits, and a value costing more than the whole
 * budget is not kept at all. Map keeps insertion order, so its first key is the oldest.
 */
export class ByteBudgetLru<V> {
  readonly #entries = new Map<string, { readonly value: V; readonly cost: number }>();
  #bytes = 0;
  /** The key used last: a hit on it need not be moved (a hot file asked for again and again). */
  #newest: string | undefined;

  constructor(
    readonly budgetBytes: number,
    private readonly costOf: (value: V) => number,
  ) {}

  /** Bytes the values hold now (never more than the budget). */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (key !== this.#newest) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.#newest = key;
    }
    return entry.value;
  }

  /** Keeps `value` under `key`; false when it alone is over the budget (then not kept). */
  set(key: string, value: V): boolean {
    this.delete(key);
    const cost = this.costOf(value);
    if (cost > this.budgetBytes) return false;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes + cost <= this.budgetBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.cost;
    }
    this.#entries.set(key, { value, cost });
    this.#bytes += cost;
    this.#newest = key;
    return true;
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= entry.cost;
    if (this.#newest === key) this.#newest = undefined;
  }
}
