/**
 * The header fields of a request: names lower-cased, values trimmed, in arrival order.
 * Repeated fields are joined with ", " by get() as RFC 9110 section 5.3 allows.
 */
export class Fields {
  /** [lower-case name, value] in the order received. */
  readonly list: Array<[string, string]> = [];

  add(name: string, value: string): void {
    this.list.push([name, value]);
  }

  get(name: string): string | undefined {
    let found: string | undefined;
    for (const [n, v] of this.list) {
      if (n !== name) continue;
      found = found === undefined ? v : `${found}, ${v}`;
    }
    return found;
  }

  count(name: string): number {
    let n = 0;
    for (const entry of this.list) if (entry[0] === name) n++;
    return n;
  }

  has(name: string): boolean {
    for (const entry of this.list) if (entry[0] === name) return true;
    return false;
  }

  /** Comma-separated list tokens of a field, lower-cased (e.g. Connection). */
  tokens(name: string): string[] {
    const value = this.get(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
  }
}
