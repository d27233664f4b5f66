/**
 * The HPACK dynamic table (RFC 7541 section 2.3.2 and section 4): a FIFO of fields, newest
 * first, whose size (each entry: name + value octets + 32, section 4.1) never exceeds the
 * current maximum. Kept as a ring buffer so insertion and eviction are O(1).
 */

/** Section 4.1: the overhead counted per entry on top of its octets. */
export const ENTRY_OVERHEAD = 32;

/** The section 4.1 size of a field; names and values are latin1 strings, one octet per char. */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

export class DynamicTable {
  private names: string[] = new Array<string>(16);
  private values: string[] = new Array<string>(16);
  /** Ring position of the newest entry; entry i (0 = newest) is at (newest + i) & mask. */
  private newest = 0;
  private mask = 15;
  private count = 0;
  private octets = 0;
  /** How many entries were ever inserted: lets the encoder name entries by insertion number. */
  private inserted = 0;

  /**
   * @param maxSize the current maximum size (section 4.2).
   * @param onEvict told the insertion number of each entry evicted (the encoder's index).
   */
  constructor(
    private maxSize: number,
    private readonly onEvict?: (insertion: number, name: string, value: string) => void,
  ) {}

  /** Entries now in the table. */
  get length(): number {
    return this.count;
  }

  /** The section 4.1 size of the table now. */
  get size(): number {
    return this.octets;
  }

  get capacity(): number {
    return this.maxSize;
  }

  /** The number of insertions so far (the newest entry's insertion number is this - 1). */
  get insertions(): number {
    return this.inserted;
  }

  /** The name of entry `i`, 0 = newest; the caller checks i < length. */
  nameAt(i: number): string {
    return this.names[(this.newest + i) & this.mask]!;
  }

  valueAt(i: number): string {
    return this.values[(this.newest + i) & this.mask]!;
  }

  /**
   * Section 4.4: evicts from the end until the new entry fits, then adds it at the front. An
   * entry larger than the whole table empties it and is not added (not an error).
   */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    while (this.count > 0 && this.octets + size > this.maxSize) this.evictOldest();
    if (size > this.maxSize) return;
    if (this.count === this.mask + 1) this.grow();
    this.newest = (this.newest - 1) & this.mask;
    this.names[this.newest] = name;
    this.values[this.newest] = value;
    this.count++;
    this.octets += size;
    this.inserted++;
  }

  /** Section 4.3: a new maximum size evicts from the end until the table fits it. */
  resize(maxSize: number): void {
    this.maxSize = maxSize;
    while (this.octets > maxSize) this.evictOldest();
  }

  private evictOldest(): void {
    const slot = (this.newest + this.count - 1) & this.mask;
    const name = this.names[slot]!;
    const value = this.values[slot]!;
    this.octets -= entrySize(name, value);
    this.count--;
    // Drop the references so evicted strings can be collected.
    this.names[slot] = '';
    this.values[slot] = '';
    this.onEvict?.(this.inserted - this.count - 1, name, value);
  }

  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const names = new Array<string>(capacity);
    const values = new Array<string>(capacity);
    for (let i = 0; i < this.count; i++) {
      names[i] = this.nameAt(i);
      values[i] = this.valueAt(i);
    }
    this.names = names;
    this.values = values;
    this.newest = 0;
    this.mask = capacity - 1;
  }
}
