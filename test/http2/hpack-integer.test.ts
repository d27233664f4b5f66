/**
 * HPACK prefix integers (RFC 7541 section 5.1): the RFC's examples (Appendix C.1), the edges
 * of each prefix, and the bounds the decoder puts on length and magnitude.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HpackError } from '../../src/http2/hpack/index.js';
import {
  decodeInteger,
  encodeInteger,
  integerLength,
  MAX_HPACK_INTEGER,
  type DecodedInteger,
} from '../../src/http2/hpack/integer.js';

function encode(value: number, prefixBits: number, flags = 0): string {
  const out = Buffer.alloc(8);
  const end = encodeInteger(out, 0, value, prefixBits, flags);
  return out.subarray(0, end).toString('hex');
}

function decode(hex: string, prefixBits: number): DecodedInteger {
  const out: DecodedInteger = { value: -1, next: -1 };
  decodeInteger(Buffer.from(hex, 'hex'), 0, prefixBits, out);
  return out;
}

describe('HPACK integers: RFC 7541 Appendix C.1', () => {
  test('C.1.1: 10 with a 5-bit prefix is one octet', () => {
    assert.equal(encode(10, 5), '0a');
    assert.deepEqual(decode('0a', 5), { value: 10, next: 1 });
  });

  test('C.1.2: 1337 with a 5-bit prefix takes two continuation octets', () => {
    assert.equal(encode(1337, 5), '1f9a0a');
    assert.deepEqual(decode('1f9a0a', 5), { value: 1337, next: 3 });
  });

  test('C.1.3: 42 starting at an octet boundary (8-bit prefix)', () => {
    assert.equal(encode(42, 8), '2a');
    assert.deepEqual(decode('2a', 8), { value: 42, next: 1 });
  });
});

describe('HPACK integers: edges', () => {
  test('a value of exactly 2^N - 1 needs a zero continuation octet', () => {
    assert.equal(encode(31, 5), '1f00');
    assert.equal(encode(30, 5), '1e');
    assert.deepEqual(decode('1f00', 5), { value: 31, next: 2 });
  });

  test('the flag bits above the prefix are kept on encode and ignored on decode', () => {
    assert.equal(encode(1337, 5, 0x20), '3f9a0a');
    assert.deepEqual(decode('ff9a0a', 5), { value: 1337, next: 3 });
    assert.deepEqual(decode('e5', 5), { value: 5, next: 1 });
  });

  test('2^31 - 1 round-trips; 2^31 is rejected', () => {
    const hex = encode(MAX_HPACK_INTEGER, 7);
    assert.equal(decode(hex, 7).value, MAX_HPACK_INTEGER);
    // 2^31 = 127 + 2147483521: continuation 81 ff ff ff 07.
    assert.throws(() => decode('7f81ffffff07', 7), HpackError);
    assert.throws(() => encode(MAX_HPACK_INTEGER + 1, 7), RangeError);
  });

  test('more than five continuation octets is rejected even when the value is small', () => {
    assert.equal(decode('1f8080808000', 5).value, 31);
    assert.throws(() => decode('1f808080808000', 5), HpackError);
  });

  test('a block that ends inside an integer is rejected', () => {
    assert.throws(() => decode('1f', 5), HpackError);
    assert.throws(() => decode('1f9a', 5), HpackError);
    assert.throws(() => decode('', 5), HpackError);
  });

  test('any value up to 2^31 - 1 round-trips with any prefix, in integerLength octets', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_HPACK_INTEGER }), fc.integer({ min: 1, max: 8 }), (value, bits) => {
        const hex = encode(value, bits);
        assert.equal(hex.length / 2, integerLength(value, bits));
        assert.deepEqual(decode(hex, bits), { value, next: hex.length / 2 });
      }),
      { numRuns: 500 },
    );
  });
});
