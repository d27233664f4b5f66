/**
 * The HPACK encoder (RFC 7541 sections 4, 6 and 7): turns a list of fields into one header
 * block, using the static table, a dynamic table of the fields that repeat on this connection,
 * and the Huffman code for each string it shortens.
 */
import { DynamicTable, entrySize } from './dynamic-table.js';
import { Indexing, indexingFor, isSensitive } from './encoding-policy.js';
import { huffmanEncode, huffmanEncodedLength } from './huffman.js';
import { encodeInteger, MAX_HPACK_INTEGER } from './integer.js';
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from './static-table.js';

export interface HpackEncoderOptions {
  /**
   * The most dynamic-table memory we are willing to use for this connection, whatever larger
   * size the peer allows (RFC 7541 section 4.2 lets the encoder pick any size up to the
   * peer's SETTINGS_HEADER_TABLE_SIZE); default 4096.
   */
  maxTableSize?: number;
}

/** RFC 9113 section 6.5.2: SETTINGS_HEADER_TABLE_SIZE is 4096 until the peer says otherwise. */
const INITIAL_PEER_TABLE_SIZE = 4096;

/** Static table lookups: first index per name, and the index of each exact name/value. */
const STATIC_NAME = new Map<string, number>();
const STATIC_FIELD = new Map<string, Map<string, number>>();
STATIC_TABLE.forEach(([name, value], i) => {
  if (!STATIC_NAME.has(name)) STATIC_NAME.set(name, i + 1);
  let values = STATIC_FIELD.get(name);
  if (values === undefined) STATIC_FIELD.set(name, (values = new Map()));
  if (!values.has(value)) values.set(value, i + 1);
});

/** The scratch block buffer is kept between calls up to this size. */
const KEPT_SCRATCH_BYTES = 64 * 1024;

export class HpackEncoder {
  /** Our own cap on the table size. */
  readonly maxTableSize: number;
  private readonly table: DynamicTable;
  /** Newest insertion number holding each name, and each exact name/value. */
  private readonly dynamicName = new Map<string, number>();
  private readonly dynamicField = new Map<string, Map<string, number>>();
  /** The table size the peer's decoder currently believes in (last one signalled). */
  private signalledSize = INITIAL_PEER_TABLE_SIZE;
  /** The smallest size the table had since the last block (section 4.2), if it changed. */
  private smallestSinceBlock: number | undefined;
  private scratch = Buffer.allocUnsafe(1024);

  constructor(options: HpackEncoderOptions = {}) {
    const max = options.maxTableSize ?? 4096;
    if (!Number.isSafeInteger(max) || max < 0 || max > MAX_HPACK_INTEGER) {
      throw new RangeError(`maxTableSize must be an integer from 0 to 2^31 - 1, got ${max}`);
    }
    this.maxTableSize = max;
    const size = Math.min(max, INITIAL_PEER_TABLE_SIZE);
    this.table = new DynamicTable(size, (insertion, name, value) => this.forget(insertion, name, value));
    if (size !== INITIAL_PEER_TABLE_SIZE) this.smallestSinceBlock = size;
  }

  get dynamicTableSize(): number {
    return this.table.size;
  }

  get dynamicTableCapacity(): number {
    return this.table.capacity;
  }

  get dynamicTableLength(): number {
    return this.table.length;
  }

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE changed (RFC 9113 section 6.5.2). The table shrinks
   * now if it must; the next block starts with the size update(s) section 4.2 requires: the
   * smallest size since the last block when it was lower, then the final size.
   */
  setMaxTableSize(peerSize: number): void {
    if (!Number.isSafeInteger(peerSize) || peerSize < 0 || peerSize > MAX_HPACK_INTEGER) {
      throw new RangeError(`table size must be an integer from 0 to 2^31 - 1, got ${peerSize}`);
    }
    const size = Math.min(this.maxTableSize, peerSize);
    this.table.resize(size);
    this.smallestSinceBlock = Math.min(this.smallestSinceBlock ?? size, size);
  }

  /**
   * Encodes one header block. Names and values are latin1 strings, one char per octet (names
   * should already be lowercase for HTTP/2, RFC 9113 section 8.2.1); chars above U+00FF are not
   * representable and are written as their low octet.
   */
  encode(fields: ReadonlyArray<readonly [string, string]>): Buffer {
    // Worst case per field: 1 + 5 index/flag octets and 1 + 5 length octets per string.
    let bound = 12;
    for (const [name, value] of fields) bound += 18 + name.length + value.length;
    let out = this.scratch;
    if (out.length < bound) {
      out = Buffer.allocUnsafe(Math.max(bound, out.length * 2));
      if (out.length <= KEPT_SCRATCH_BYTES) this.scratch = out;
    }
    let pos = this.writeSizeUpdates(out, 0);
    for (const [name, value] of fields) pos = this.writeField(out, pos, name, value);
    const block = Buffer.allocUnsafe(pos);
    out.copy(block, 0, 0, pos);
    return block;
  }

  /** Section 6.3 size updates owed since the last block, at the start of this one (section 4.2). */
  private writeSizeUpdates(out: Buffer, pos: number): number {
    const smallest = this.smallestSinceBlock;
    if (smallest === undefined) return pos;
    this.smallestSinceBlock = undefined;
    const size = this.table.capacity;
    if (smallest < size) pos = encodeInteger(out, pos, smallest, 5, 0x20);
    if (smallest < size || size !== this.signalledSize) pos = encodeInteger(out, pos, size, 5, 0x20);
    this.signalledSize = size;
    return pos;
  }

  private writeField(out: Buffer, pos: number, name: string, value: string): number {
    const sensitive = isSensitive(name);
    // Section 6.1: an exact match is one index. Sensitive fields are never looked up in the
    // dynamic table (they are never added); a static exact match for them carries no secret.
    const staticIndex = STATIC_FIELD.get(name)?.get(value);
    if (staticIndex !== undefined) return encodeInteger(out, pos, staticIndex, 7, 0x80);
    if (!sensitive) {
      const insertion = this.dynamicField.get(name)?.get(value);
      if (insertion !== undefined) return encodeInteger(out, pos, this.indexOf(insertion), 7, 0x80);
    }

    const nameIndex = this.nameIndex(name);
    const indexing = indexingFor(name, entrySize(name, value), this.table.capacity);
    if (indexing === Indexing.Incremental) {
      // Section 6.2.1: literal with incremental indexing, 6-bit name index.
      pos = encodeInteger(out, pos, nameIndex, 6, 0x40);
      if (nameIndex === 0) pos = writeString(out, pos, name);
      pos = writeString(out, pos, value);
      this.remember(name, value);
      return pos;
    }
    // Section 6.2.2 (0000) or 6.2.3 never indexed (0001), 4-bit name index.
    pos = encodeInteger(out, pos, nameIndex, 4, indexing === Indexing.Never ? 0x10 : 0x00);
    if (nameIndex === 0) pos = writeString(out, pos, name);
    return writeString(out, pos, value);
  }

  /** A table index for `name` (static first: it never moves), or 0 for a literal name. */
  private nameIndex(name: string): number {
    const staticIndex = STATIC_NAME.get(name);
    if (staticIndex !== undefined) return staticIndex;
    const insertion = this.dynamicName.get(name);
    return insertion === undefined ? 0 : this.indexOf(insertion);
  }

  /** Section 2.3.3: the newest dynamic entry is index 62, older ones follow. */
  private indexOf(insertion: number): number {
    return STATIC_TABLE_LENGTH + this.table.insertions - insertion;
  }

  private remember(name: string, value: string): void {
    const before = this.table.insertions;
    this.table.add(name, value);
    if (this.table.insertions === before) return; // larger than the table: not added (section 4.4)
    this.dynamicName.set(name, before);
    let values = this.dynamicField.get(name);
    if (values === undefined) this.dynamicField.set(name, (values = new Map()));
    values.set(value, before);
  }

  /** An entry left the table: drop lookups that still point at it. */
  private forget(insertion: number, name: string, value: string): void {
    if (this.dynamicName.get(name) === insertion) this.dynamicName.delete(name);
    const values = this.dynamicField.get(name);
    if (values?.get(value) === insertion) {
      values.delete(value);
      if (values.size === 0) this.dynamicField.delete(name);
    }
  }
}

/** Section 5.2: a string literal, Huffman-coded only when that is shorter. */
function writeString(out: Buffer, pos: number, text: string): number {
  const huffmanLength = huffmanEncodedLength(text);
  if (huffmanLength < text.length) {
    pos = encodeInteger(out, pos, huffmanLength, 7, 0x80);
    return huffmanEncode(text, out, pos);
  }
  pos = encodeInteger(out, pos, text.length, 7, 0x00);
  return pos + out.write(text, pos, 'latin1');
}
