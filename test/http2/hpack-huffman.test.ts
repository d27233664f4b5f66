/**
 * The HPACK Huffman code (RFC 7541 section 5.2 and Appendix B): strings from the RFC's
 * examples, round trips of every octet, and the decoding errors the section requires.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HpackError } from '../../src/http2/hpack/index.js';
import {
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
  maxDecodedLength,
} from '../../src/http2/hpack/huffman.js';

function encodeHex(text: string): string {
  const out = Buffer.alloc(text.length * 4 + 1);
  const end = huffmanEncode(text, out, 0);
  assert.equal(end, huffmanEncodedLength(text));
  return out.subarray(0, end).toString('hex');
}

function decodeHex(hex: string): string {
  const input = Buffer.from(hex, 'hex');
  const out = Buffer.alloc(maxDecodedLength(input.length));
  return out.toString('latin1', 0, huffmanDecode(input, 0, input.length, out));
}

/** Strings and their codings from RFC 7541 Appendix C.4 and C.6. */
const RFC_STRINGS: ReadonlyArray<readonly [string, string]> = [
  ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
  ['no-cache', 'a8eb10649cbf'],
  ['custom-key', '25a849e95ba97d7f'],
  ['custom-value', '25a849e95bb8e8b4bf'],
  ['302', '6402'],
  ['private', 'aec3771a4b'],
  ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07abe941054d444a8200595040b8166e082a62d1bff'],
  ['https://www.example.com', '9d29ad171863c78f0b97c8e9ae82ae43d3'],
  ['gzip', '9bd9ab'],
  [
    'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
    '94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
  ],
];

describe('HPACK Huffman code', () => {
  test('encodes and decodes the strings of RFC 7541 Appendix C.4 and C.6', () => {
    for (const [text, hex] of RFC_STRINGS) {
      assert.equal(encodeHex(text), hex, text);
      assert.equal(decodeHex(hex), text, hex);
    }
  });

  test('every octet 0-255 round-trips, alone and all together', () => {
    let all = '';
    for (let octet = 0; octet < 256; octet++) {
      const text = String.fromCharCode(octet);
      all += text;
      assert.equal(decodeHex(encodeHex(text)), text, `octet ${octet}`);
    }
    assert.equal(decodeHex(encodeHex(all)), all);
  });

  test('the empty string is zero octets', () => {
    assert.equal(encodeHex(''), '');
    assert.equal(decodeHex(''), '');
  });

  test('random latin1 strings round-trip and never decode past maxDecodedLength', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 200 }), (text) => {
        assert.equal(decodeHex(encodeHex(text)), text);
      }),
      { numRuns: 300 },
    );
  });

  test('padding must be all ones (the high bits of EOS)', () => {
    // 'a' is 00011 (5 bits): padded with ones it is 0x1f, with zeros 0x18.
    assert.equal(decodeHex('1f'), 'a');
    assert.throws(() => decodeHex('18'), HpackError);
    assert.throws(() => decodeHex('1e'), HpackError);
  });

  test('padding of 8 bits or more is rejected', () => {
    assert.throws(() => decodeHex('ff'), HpackError);
    assert.throws(() => decodeHex('1fff'), HpackError);
    // '0' is 00000 (5 bits); seven ones of padding after it is the most allowed.
    assert.equal(decodeHex('07'), '0');
    assert.throws(() => decodeHex('00'), HpackError);
  });

  test('a string containing EOS (30 ones) is rejected', () => {
    assert.throws(() => decodeHex('fffffffc'), HpackError);
    assert.throws(() => decodeHex('1fffffffff'), HpackError);
  });

  test('random octets decode to at most maxDecodedLength or throw HpackError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const text = decodeHex(Buffer.from(bytes).toString('hex'));
          assert.ok(text.length <= maxDecodedLength(bytes.length));
          // What decodes re-encodes to the same octets (the code has one encoding per string).
          assert.equal(encodeHex(text), Buffer.from(bytes).toString('hex'));
        } catch (error) {
          assert.ok(error instanceof HpackError, String(error));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
