/**
 * The header fields of a request: names lower-cased, values trimmed, in arrival order.
 * Repeated fields are joined with ", " by get() as RFC 9110 section 5.3 allows.
 *
 * The few fields the parser must judge on every request (Host, Authorization, the framing
 * fields, Connection, Expect) and the presence of conditional or Range fields are noted as
 * they are added, so judging them costs no search of the list.
 */
export class Fields {
  /** [lower-case name, value] in the order received. */
  readonly list: Array<[string, string]> = [];
  host: string | undefined = undefined;
  hostCount = 0;
  authorizationCount = 0;
  contentLengthCount = 0;
  /** Any If-* or Range field: preconditions or ranges need evaluating. */
  conditional = false;

  add(name: string, value: string): void {
    this.list.push([name, value]);
    // Names come lower-cased and interned from the parser: these compare as pointers.
    switch (name) {
      case 'host':
        this.hostCount++;
        this.host ??= value;
        break;
      case 'authorization':
        this.authorizationCount++;
        break;
      case 'content-length':
        this.contentLengthCount++;
        break;
      case 'range':
        this.conditional = true;
        break;
      default:
        if (name.charCodeAt(0) === 0x69 /* i */ && name.charCodeAt(1) === 0x66 /* f */ && name.charCodeAt(2) === 0x2d /* - */) this.conditional = true;
    }
  }

  get(name: string): string | undefined {
    let found: string | undefined;
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i] as [string, string];
      if (entry[0] !== name) continue;
      found = found === undefined ? entry[1] : `${found}, ${entry[1]}`;
    }
    return found;
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
