/**
 * HPACK prefix integers, RFC 7541 section 5.1: a value below 2^N - 1 fits in the N-bit prefix;
 * otherwise the prefix is all ones and the rest follows 7 bits per octet, least significant
 * group first, the high bit of each octet saying "more follows".
 */
import { HpackError } from './errors.js';

/**
 * The largest integer we accept. Every HPACK integer is an index, a string length or a table
 * size, and none of those can legitimately reach 2^31 on a connection whose header blocks we
 * bound; section 5.1 asks decoders to guard against overflow, and this keeps the arithmetic
 * exact in a double.
 */
export const MAX_HPACK_INTEGER = 0x7fffffff;

/** 2^31 needs at most 5 continuation octets after a prefix (7 * 5 = 35 bits > 31). */
const MAX_CONTINUATION_OCTETS = 5;

/** A decoded integer and the offset just past it. */
export interface DecodedInteger {
  value: number;
  next: number;
}

/**
 * Reads the integer whose prefix occupies the low `prefixBits` bits of `block[at]`.
 * Throws HpackError when the block ends inside it, or it is too long or too large.
 */
export function decodeInteger(block: Uint8Array, at: number, prefixBits: number, out: DecodedInteger): void {
  const prefixMax = (1 << prefixBits) - 1;
  if (at >= block.length) throw new HpackError('header block ends inside an integer');
  let value = block[at]! & prefixMax;
  let pos = at + 1;
  if (value === prefixMax) {
    let scale = 1;
    for (let count = 0; ; count++) {
      if (count === MAX_CONTINUATION_OCTETS) throw new HpackError('integer has too many continuation octets');
      if (pos >= block.length) throw new HpackError('header block ends inside an integer');
      const octet = block[pos++]!;
      value += (octet & 0x7f) * scale;
      if (value > MAX_HPACK_INTEGER) throw new HpackError('integer exceeds 2^31 - 1');
      if ((octet & 0x80) === 0) break;
      scale *= 128;
    }
  }
  out.value = value;
  out.next = pos;
}

/** How many octets encodeInteger writes for `value` with an N-bit prefix. */
export function integerLength(value: number, prefixBits: number): number {
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) return 1;
  let rest = value - prefixMax;
  let length = 2;
  while (rest >= 128) {
    rest = Math.floor(rest / 128);
    length++;
  }
  return length;
}

/**
 * Writes `value` with an N-bit prefix at `out[at]`, keeping the high bits `flags` of the first
 * octet (the representation type, section 6). Returns the offset just past it.
 */
export function encodeInteger(out: Uint8Array, at: number, value: number, prefixBits: number, flags: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_HPACK_INTEGER) {
    throw new RangeError(`HPACK integer out of range: ${value}`);
  }
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) {
    out[at] = flags | value;
    return at + 1;
  }
  out[at++] = flags | prefixMax;
  let rest = value - prefixMax;
  while (rest >= 128) {
    out[at++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at++] = rest;
  return at;
}
