/**
 * The HPACK Huffman code (RFC 7541 section 5.2, code in Appendix B).
 *
 * Decoding walks the code tree four bits at a time through a table built once from the code:
 * for each internal node of the tree and each nibble, the node reached and the symbol emitted
 * on the way (at most one, since no code is shorter than 5 bits). That is one table lookup per
 * nibble with no per-bit branching, and the decoded octets go into a Buffer, never a string
 * built character by character.
 */
import { HpackError } from './errors.js';
import { HUFFMAN_BITS, HUFFMAN_CODES, HUFFMAN_EOS } from './huffman-code.js';

/** `EMIT_*` values beyond real symbols (0-255) in the decode table. */
const EMIT_NONE = -1;
const EMIT_EOS = -2;

interface DecodeTable {
  /** next[state * 16 + nibble]: the internal node reached. */
  next: Uint8Array;
  /** emit[state * 16 + nibble]: the octet completed on the way, EMIT_NONE or EMIT_EOS. */
  emit: Int16Array;
  /**
   * accepting[state]: 1 when the string may end in this state. Section 5.2: the padding
   * after the last code must be fewer than 8 bits and must be the most significant bits of
   * EOS, i.e. all ones; the root (nothing pending) is accepting too.
   */
  accepting: Uint8Array;
}

function buildDecodeTable(): DecodeTable {
  // The tree: internal nodes 0..255 (257 leaves need 256 of them), node 0 the root.
  // child[node * 2 + bit] >= 0 is an internal node; < 0 is the leaf -(symbol + 1).
  const child = new Int32Array(256 * 2).fill(0);
  const depth = new Uint8Array(256);
  const allOnes = new Uint8Array(256);
  allOnes[0] = 1;
  let nodes = 1;
  for (let symbol = 0; symbol <= HUFFMAN_EOS; symbol++) {
    const bits = HUFFMAN_BITS[symbol]!;
    const code = HUFFMAN_CODES[symbol]!;
    let node = 0;
    for (let i = bits - 1; i > 0; i--) {
      const bit = (code >>> i) & 1;
      let next = child[node * 2 + bit]!;
      if (next === 0) {
        next = nodes++;
        child[node * 2 + bit] = next;
        depth[next] = depth[node]! + 1;
        allOnes[next] = allOnes[node]! & bit;
      }
      node = next;
    }
    child[node * 2 + (code & 1)] = -(symbol + 1);
  }
  if (nodes !== 256) throw new Error(`Huffman tree has ${nodes} internal nodes, expected 256`);

  const next = new Uint8Array(256 * 16);
  const emit = new Int16Array(256 * 16);
  const accepting = new Uint8Array(256);
  for (let state = 0; state < 256; state++) {
    accepting[state] = allOnes[state]! === 1 && depth[state]! < 8 ? 1 : 0;
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let emitted = EMIT_NONE;
      for (let i = 3; i >= 0; i--) {
        const target = child[node * 2 + ((nibble >>> i) & 1)]!;
        if (target >= 0) {
          node = target;
          continue;
        }
        const symbol = -target - 1;
        // Section 5.2: a string containing EOS is a decoding error.
        emitted = symbol === HUFFMAN_EOS ? EMIT_EOS : symbol;
        node = 0;
        if (emitted === EMIT_EOS) break;
      }
      next[state * 16 + nibble] = node;
      emit[state * 16 + nibble] = emitted;
    }
  }
  return { next, emit, accepting };
}

const DECODE = buildDecodeTable();

/** The most octets `encodedLength` Huffman octets can decode to (shortest code: 5 bits). */
export function maxDecodedLength(encodedLength: number): number {
  return Math.floor((encodedLength * 8) / 5);
}

/**
 * Decodes `block[start, end)` into `out` from offset 0 (the caller sizes `out` with
 * maxDecodedLength) and returns the number of octets written. Throws HpackError on EOS in the
 * string or on padding that is too long or not all ones (section 5.2).
 */
export function huffmanDecode(block: Uint8Array, start: number, end: number, out: Uint8Array): number {
  const { next, emit, accepting } = DECODE;
  let state = 0;
  let written = 0;
  for (let i = start; i < end; i++) {
    const octet = block[i]!;
    let index = state * 16 + (octet >>> 4);
    let symbol = emit[index]!;
    if (symbol >= 0) out[written++] = symbol;
    else if (symbol === EMIT_EOS) throw new HpackError('Huffman string contains EOS');
    state = next[index]!;
    index = state * 16 + (octet & 0x0f);
    symbol = emit[index]!;
    if (symbol >= 0) out[written++] = symbol;
    else if (symbol === EMIT_EOS) throw new HpackError('Huffman string contains EOS');
    state = next[index]!;
  }
  if (accepting[state] !== 1) throw new HpackError('Huffman string has invalid padding');
  return written;
}

/** The number of octets the Huffman encoding of latin1 `text` takes. */
export function huffmanEncodedLength(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) bits += HUFFMAN_BITS[text.charCodeAt(i) & 0xff]!;
  return Math.ceil(bits / 8);
}

/**
 * Writes the Huffman encoding of latin1 `text` at `out[at]`, padded with the high bits of EOS
 * (all ones, section 5.2). Returns the offset just past it.
 */
export function huffmanEncode(text: string, out: Uint8Array, at: number): number {
  // `pending` holds `count` bits not yet written, fewer than 8 between symbols, so a code of up
  // to 24 bits still fits in 31 bits of 32-bit integer arithmetic. The few longer codes (25 to
  // 30 bits, rare control octets) go in two parts.
  let pending = 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const symbol = text.charCodeAt(i) & 0xff;
    const bits = HUFFMAN_BITS[symbol]!;
    const code = HUFFMAN_CODES[symbol]!;
    if (bits > 24) {
      pending = (pending << (bits - 16)) | (code >>> 16);
      count += bits - 16;
      while (count >= 8) {
        count -= 8;
        out[at++] = pending >>> count; // a Uint8Array keeps the low 8 bits
      }
      pending = ((pending & ((1 << count) - 1)) << 16) | (code & 0xffff);
      count += 16;
    } else {
      pending = (pending << bits) | code;
      count += bits;
    }
    while (count >= 8) {
      count -= 8;
      out[at++] = pending >>> count;
    }
    pending &= (1 << count) - 1;
  }
  if (count > 0) out[at++] = (pending << (8 - count)) | (0xff >>> count);
  return at;
}
