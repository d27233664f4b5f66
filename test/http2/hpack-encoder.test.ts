/**
 * The HPACK encoder (RFC 7541 sections 4, 6 and 7): which representation each kind of field
 * gets, the size updates owed after the peer's SETTINGS_HEADER_TABLE_SIZE changes, and random
 * round trips through our decoder with both dynamic tables compared after every block.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { huffmanEncode, huffmanEncodedLength } from '../../src/http2/hpack/huffman.js';
import { HpackDecoder, HpackEncoder } from '../../src/http2/hpack/index.js';

type Field = readonly [string, string];

function encodeHex(encoder: HpackEncoder, fields: readonly Field[]): string {
  return encoder.encode(fields).toString('hex');
}

/** A raw (not Huffman) string literal in hex. */
function raw(text: string): string {
  return Buffer.from([text.length]).toString('hex') + Buffer.from(text, 'latin1').toString('hex');
}

/** A short string literal as section 5.2 says to send it: Huffman-coded when that is shorter. */
function literal(text: string): string {
  const length = huffmanEncodedLength(text);
  if (length >= text.length) return raw(text);
  const out = Buffer.alloc(length);
  huffmanEncode(text, out, 0);
  return Buffer.from([0x80 | length]).toString('hex') + out.toString('hex');
}

describe('HPACK encoder: representations', () => {
  test('static exact matches are one octet (section 6.1)', () => {
    const encoder = new HpackEncoder();
    assert.equal(encodeHex(encoder, [[':status', '200'], [':method', 'GET'], [':status', '404'], ['accept-encoding', 'gzip, deflate']]), '88828d90');
    assert.equal(encoder.dynamicTableLength, 0);
  });

  test('a repeating response field is indexed once, then sent as one octet', () => {
    const encoder = new HpackEncoder();
    // server is static entry 54: literal with incremental indexing, 6-bit name index (0x40 | 54).
    assert.equal(encodeHex(encoder, [['server', 'porta']]), '76' + literal('porta'));
    assert.equal(encoder.dynamicTableSize, 6 + 5 + 32);
    assert.equal(encodeHex(encoder, [['server', 'porta']]), 'be');
    // A different value for the same name reuses the static name.
    assert.equal(encodeHex(encoder, [['server', 'x']]).slice(0, 2), '76');
    assert.equal(encodeHex(encoder, [['server', 'x'], ['server', 'porta']]), 'bebf');
  });

  test('a new name is sent literally once, then its name is indexed from the dynamic table', () => {
    const encoder = new HpackEncoder();
    const first = encodeHex(encoder, [['x-a', '1']]);
    assert.equal(first, '40' + literal('x-a') + literal('1'));
    assert.equal(encodeHex(encoder, [['x-a', '1']]), 'be');
    // Same name, new value: name index 62 with incremental indexing (0x40 | 62 = 0x7e).
    assert.equal(encodeHex(encoder, [['x-a', '2']]), '7e' + literal('2'));
  });

  test('cookies and credentials are never indexed (section 7.1.3)', () => {
    const encoder = new HpackEncoder();
    const fields: Field[] = [['set-cookie', 'id=1'], ['authorization', 'Basic YTpi'], ['cookie', 'a=b']];
    // 0x1f then the rest of the name index: set-cookie 55, authorization 23, cookie 32.
    const expected = `1f28${literal('id=1')}1f08${literal('Basic YTpi')}1f11${literal('a=b')}`;
    assert.equal(encodeHex(encoder, fields), expected);
    assert.equal(encodeHex(encoder, fields), expected, 'never taken from the table either');
    assert.equal(encoder.dynamicTableLength, 0);
  });

  test('www-authenticate is a public challenge: indexed like other response fields', () => {
    const encoder = new HpackEncoder();
    encoder.encode([['www-authenticate', 'Basic realm="x"']]);
    assert.equal(encodeHex(encoder, [['www-authenticate', 'Basic realm="x"']]), 'be');
  });

  test('per-message values are literals without indexing (section 6.2.2)', () => {
    const encoder = new HpackEncoder();
    // content-length is static entry 28: 0x0f then 28 - 15 = 13.
    assert.equal(encodeHex(encoder, [['content-length', '42']]), '0f0d' + literal('42'));
    assert.equal(encodeHex(encoder, [[':path', '/a']]), '04' + literal('/a'));
    assert.equal(encoder.dynamicTableLength, 0);
  });

  test('a field larger than half the table is not indexed', () => {
    const encoder = new HpackEncoder({ maxTableSize: 200 });
    encoder.encode([['x-big', 'v'.repeat(80)]]); // 5 + 80 + 32 = 117 > 100
    assert.equal(encoder.dynamicTableLength, 0);
    encoder.encode([['x-small', 'v'.repeat(40)]]); // 79
    assert.equal(encoder.dynamicTableLength, 1);
  });

  test('Huffman coding is used only when it is shorter (section 5.2)', () => {
    const encoder = new HpackEncoder();
    // 12 Huffman octets instead of 15.
    assert.equal(encodeHex(encoder, [[':authority', 'www.example.com']]), '418cf1e3c2e5f23a6ba0ab90f4ff');
    // Control octets have long codes: sent raw.
    assert.equal(encodeHex(encoder, [['x-b', '\u0000\u0001']]), '40' + literal('x-b') + raw('\u0000\u0001'));
    assert.equal(literal('porta'), '84acf6247f');
    assert.deepEqual(new HpackDecoder().decode(encoder.encode([['x-c', '\u00ff\u00fe']])), [['x-c', '\u00ff\u00fe']]);
  });

  test('the output matches the C.3 fields when decoded (different choices, same list)', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const lists: Field[][] = [
      [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
      [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
      [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
    ];
    for (const list of lists) assert.deepEqual(decoder.decode(encoder.encode(list)), list);
    assert.equal(encoder.dynamicTableSize, decoder.dynamicTableSize);
  });
});

describe('HPACK encoder: table size updates (sections 4.2 and 6.3)', () => {
  test('a smaller peer setting empties the table now and is signalled at the next block', () => {
    const encoder = new HpackEncoder();
    encoder.encode([['server', 'porta']]);
    encoder.setMaxTableSize(0);
    assert.equal(encoder.dynamicTableLength, 0);
    // Update to 0, then server as a literal without indexing (it cannot fit).
    assert.equal(encodeHex(encoder, [['server', 'porta']]), '20' + '0f27' + literal('porta'));
    assert.equal(encodeHex(encoder, [[':status', '200']]), '88', 'signalled once');
  });

  test('shrinking then growing between blocks signals the smallest size, then the final one', () => {
    const encoder = new HpackEncoder();
    encoder.setMaxTableSize(0);
    encoder.setMaxTableSize(4096);
    // 0, then 4096 = 31 + 4065 = 1f e1 1f.
    assert.equal(encodeHex(encoder, [[':status', '200']]), '20' + '3fe11f' + '88');
  });

  test('an unchanged setting signals nothing; a changed one signals the new size', () => {
    const encoder = new HpackEncoder();
    encoder.setMaxTableSize(4096);
    assert.equal(encodeHex(encoder, [[':status', '200']]), '88');
    encoder.setMaxTableSize(1024);
    assert.equal(encodeHex(encoder, [[':status', '200']]), '3fe107' + '88');
  });

  test('our own cap limits the table whatever the peer allows, signalled in the first block', () => {
    const encoder = new HpackEncoder({ maxTableSize: 1024 });
    assert.equal(encodeHex(encoder, [[':status', '200']]), '3fe107' + '88');
    encoder.setMaxTableSize(65536);
    assert.equal(encoder.dynamicTableCapacity, 1024);
    assert.equal(encodeHex(encoder, [[':status', '200']]), '88');
  });

  test('a peer setting above 4096 is used up to our cap and signalled', () => {
    const encoder = new HpackEncoder({ maxTableSize: 8192 });
    encoder.setMaxTableSize(8192);
    const decoder = new HpackDecoder({ maxTableSize: 8192 });
    decoder.decode(encoder.encode([[':status', '200']]));
    assert.equal(decoder.dynamicTableCapacity, 8192);
  });
});

/** Names that exercise static name matches, dynamic names and the indexing policy. */
const NAMES = [':status', 'server', 'content-type', 'date', 'set-cookie', 'content-length', 'cache-control', 'vary', 'x-a', 'x-b'];

const latin1Text = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const asciiText = fc.string({ maxLength: 30 });
const nameArb = fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[a-z-]{1,12}$/));
const valueArb = fc.oneof(fc.constantFrom('200', '404', 'porta', 'text/html', 'gzip', ''), asciiText, latin1Text);
const listArb = fc.array(fc.tuple(nameArb, valueArb), { maxLength: 12 });

type Op = { kind: 'block'; fields: Array<[string, string]> } | { kind: 'settings'; size: number };

describe('HPACK encoder: round trips', () => {
  test('random lists and table sizes decode to the same list with both tables in step', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: listArb.map((fields) => ({ kind: 'block' as const, fields })) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 8192 }).map((size) => ({ kind: 'settings' as const, size })) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8192 }), fc.integer({ min: 0, max: 8192 }), fc.array(op, { maxLength: 12 }), (advertised, cap, ops) => {
        const decoder = new HpackDecoder({ maxTableSize: advertised, maxHeaderListSize: 1 << 20 });
        const encoder = new HpackEncoder({ maxTableSize: cap });
        // The peer's SETTINGS arrive before our first block.
        encoder.setMaxTableSize(advertised);
        for (const step of ops) {
          // Settings changes the peer could make stay within what it advertises to us here.
          if (step.kind === 'settings') {
            encoder.setMaxTableSize(Math.min(step.size, advertised));
            continue;
          }
          assert.deepEqual(decoder.decode(encoder.encode(step.fields)), step.fields);
          assert.equal(decoder.dynamicTableSize, encoder.dynamicTableSize);
          assert.equal(decoder.dynamicTableLength, encoder.dynamicTableLength);
          assert.equal(decoder.dynamicTableCapacity, encoder.dynamicTableCapacity);
          assert.ok(encoder.dynamicTableSize <= Math.min(cap, advertised));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('repeated responses shrink to a few octets each', () => {
    const encoder = new HpackEncoder();
    const response: Field[] = [[':status', '200'], ['server', 'porta'], ['content-type', 'text/html; charset=utf-8'], ['cache-control', 'no-cache'], ['vary', 'accept-encoding']];
    const first = encoder.encode(response).length;
    const second = encoder.encode(response).length;
    assert.ok(first > 30, `first ${first}`);
    assert.equal(second, response.length);
  });
});
