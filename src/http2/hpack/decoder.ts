/**
 * The HPACK decoder (RFC 7541 sections 3, 4 and 6): turns one complete header block into the
 * list of fields it represents, keeping the dynamic table in step with the peer's encoder.
 *
 * Every malformed input is an HpackError; every piece of state is bounded: the dynamic table by
 * maxTableSize (the SETTINGS_HEADER_TABLE_SIZE we advertise), the returned list by
 * maxHeaderListSize, and the scratch buffer by the largest string seen in a block.
 */
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { HpackError, HpackListTooLarge } from './errors.js';
import { huffmanDecode, maxDecodedLength } from './huffman.js';
import { decodeInteger, type DecodedInteger } from './integer.js';
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from './static-table.js';

export interface HpackDecoderOptions {
  /** The SETTINGS_HEADER_TABLE_SIZE we advertise (RFC 9113 section 6.5.2); default 4096. */
  maxTableSize?: number;
  /**
   * The SETTINGS_MAX_HEADER_LIST_SIZE we enforce: the sum over fields of name + value + 32
   * octets (RFC 9113 section 6.5.2); default 16384.
   */
  maxHeaderListSize?: number;
}

export type HeaderField = [name: string, value: string];

/** RFC 9113 section 6.5.2: the initial value of SETTINGS_HEADER_TABLE_SIZE. */
const INITIAL_TABLE_SIZE = 4096;

/** Scratch for Huffman output is kept between blocks up to this size, then reallocated per use. */
const KEPT_SCRATCH_BYTES = 16 * 1024;

export class HpackDecoder {
  readonly maxTableSize: number;
  readonly maxHeaderListSize: number;
  private readonly table: DynamicTable;
  private readonly integer: DecodedInteger = { value: 0, next: 0 };
  private scratch = Buffer.allocUnsafe(256);

  constructor(options: HpackDecoderOptions = {}) {
    this.maxTableSize = checkLimit('maxTableSize', options.maxTableSize ?? 4096);
    this.maxHeaderListSize = checkLimit('maxHeaderListSize', options.maxHeaderListSize ?? 16384);
    // The table starts at SETTINGS_HEADER_TABLE_SIZE's initial value, 4096 (RFC 9113 section
    // 6.5.2): that is what the peer's encoder assumes until it signals a size update (RFC 7541
    // section 4.2), which may then go up to our setting. A setting below 4096 applies from the
    // start: a peer that indexes more before it has seen our SETTINGS would refer to entries we
    // already evicted, which fails as an index out of range (never as a wrong field).
    this.table = new DynamicTable(Math.min(this.maxTableSize, INITIAL_TABLE_SIZE));
  }

  /** The dynamic table's current section 4.1 size and its current maximum. */
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
   * Decodes one whole header block (the concatenated HEADERS/PUSH_PROMISE and CONTINUATION
   * fragments). Throws HpackError when it is malformed; the dynamic table is then unusable and
   * the connection must end with COMPRESSION_ERROR (RFC 9113 section 4.3). Throws
   * HpackListTooLarge when it is well formed but decodes to more than maxHeaderListSize: the
   * block has still been processed to the end, so the table stays in sync and only the stream
   * need be refused.
   */
  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    const integer = this.integer;
    let listSize = 0;
    let pos = 0;
    let fieldsSeen = false;
    while (pos < block.length) {
      const first = block[pos]!;
      let name: string;
      let value: string;
      if (first & 0x80) {
        // Section 6.1: indexed header field.
        decodeInteger(block, pos, 7, integer);
        pos = integer.next;
        const index = integer.value;
        name = this.nameAt(index);
        value = this.valueAt(index);
      } else if ((first & 0xe0) === 0x20) {
        // Section 6.3: dynamic table size update, only at the start of a block (section 4.2).
        if (fieldsSeen) throw new HpackError('dynamic table size update after the first field');
        decodeInteger(block, pos, 5, integer);
        pos = integer.next;
        if (integer.value > this.maxTableSize) {
          throw new HpackError(`dynamic table size update to ${integer.value} exceeds the limit ${this.maxTableSize}`);
        }
        this.table.resize(integer.value);
        continue;
      } else {
        // Section 6.2: literal field; 01 = with incremental indexing (6-bit index), 0000 =
        // without indexing and 0001 = never indexed (4-bit index).
        const indexing = (first & 0xc0) === 0x40;
        decodeInteger(block, pos, indexing ? 6 : 4, integer);
        pos = integer.next;
        if (integer.value === 0) {
          name = this.readString(block, pos);
        } else {
          name = this.nameAt(integer.value);
        }
        pos = integer.next;
        value = this.readString(block, pos);
        pos = integer.next;
        if (indexing) this.table.add(name, value);
      }
      fieldsSeen = true;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      // Past the limit we keep decoding (to keep the table in sync) but stop collecting.
      if (listSize <= this.maxHeaderListSize) fields.push([name, value]);
    }
    if (listSize > this.maxHeaderListSize) throw new HpackListTooLarge(listSize, this.maxHeaderListSize);
    return fields;
  }

  /** Reads a string literal (section 5.2) at `pos`; leaves the offset past it in this.integer.next. */
  private readString(block: Uint8Array, pos: number): string {
    if (pos >= block.length) throw new HpackError('header block ends before a string literal');
    const huffman = (block[pos]! & 0x80) !== 0;
    const integer = this.integer;
    decodeInteger(block, pos, 7, integer);
    const start = integer.next;
    const length = integer.value;
    if (length > block.length - start) throw new HpackError('string literal longer than the rest of the block');
    const end = start + length;
    integer.next = end;
    if (!huffman) return latin1(block, start, end);
    const needed = maxDecodedLength(length);
    let out = this.scratch;
    if (out.length < needed) {
      out = Buffer.allocUnsafe(needed);
      if (needed <= KEPT_SCRATCH_BYTES) this.scratch = out;
    }
    const written = huffmanDecode(block, start, end, out);
    return out.toString('latin1', 0, written);
  }

  private nameAt(index: number): string {
    if (index === 0) throw new HpackError('index 0 is not a table entry');
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index - 1]![0];
    const dynamic = index - STATIC_TABLE_LENGTH - 1;
    if (dynamic >= this.table.length) throw new HpackError(`index ${index} is beyond the tables`);
    return this.table.nameAt(dynamic);
  }

  private valueAt(index: number): string {
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index - 1]![1];
    return this.table.valueAt(index - STATIC_TABLE_LENGTH - 1);
  }
}

function latin1(block: Uint8Array, start: number, end: number): string {
  if (Buffer.isBuffer(block)) return block.toString('latin1', start, end);
  return Buffer.from(block.buffer, block.byteOffset + start, end - start).toString('latin1');
}

function checkLimit(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`${what} must be an integer from 0 to 2^31 - 1, got ${value}`);
  }
  return value;
}
