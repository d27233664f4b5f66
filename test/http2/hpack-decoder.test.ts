/**
 * The HPACK decoder (RFC 7541): the RFC's example blocks (Appendix C.2 to C.6) with the
 * dynamic table state after each, every kind of malformed input, eviction, size updates, the
 * header-list limit, and random input that must never escape as anything but HpackError.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HpackDecoder, HpackEncoder, HpackError, HpackListTooLarge } from '../../src/http2/hpack/index.js';

type Fields = Array<[string, string]>;

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** Decodes, returning the error instead of throwing it. */
function attempt(decoder: HpackDecoder, block: string): Fields | Error {
  try {
    return decoder.decode(hex(block));
  } catch (error) {
    return error as Error;
  }
}

function assertHpackError(block: string, options?: ConstructorParameters<typeof HpackDecoder>[0]): void {
  const result = attempt(new HpackDecoder(options), block);
  assert.ok(result instanceof HpackError, `${block}: expected HpackError, got ${JSON.stringify(result)}`);
  assert.ok(!(result instanceof HpackListTooLarge), `${block}: malformed, not merely too large`);
}

interface Step {
  block: string;
  fields: Fields;
  /** Dynamic table size and entry count after the block. */
  size: number;
  entries: number;
}

function runSequence(decoder: HpackDecoder, steps: readonly Step[]): void {
  for (const [i, step] of steps.entries()) {
    assert.deepEqual(decoder.decode(hex(step.block)), step.fields, `block ${i + 1}`);
    assert.equal(decoder.dynamicTableSize, step.size, `table size after block ${i + 1}`);
    assert.equal(decoder.dynamicTableLength, step.entries, `table entries after block ${i + 1}`);
  }
}

const REQUEST_1: Fields = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQUEST_2: Fields = [...REQUEST_1, ['cache-control', 'no-cache']];
const REQUEST_3: Fields = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];

const RESPONSE_1: Fields = [[':status', '302'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']];
const RESPONSE_2: Fields = [[':status', '307'], ...RESPONSE_1.slice(1)];
const RESPONSE_3: Fields = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
];

describe('HPACK decoder: RFC 7541 Appendix C', () => {
  test('C.2: one representation of each kind', () => {
    const decoder = new HpackDecoder();
    // C.2.1 literal with indexing: added to the table (55 octets).
    runSequence(decoder, [
      { block: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', fields: [['custom-key', 'custom-header']], size: 55, entries: 1 },
    ]);
    const fresh = new HpackDecoder();
    // C.2.2 literal without indexing, C.2.3 never indexed, C.2.4 indexed: the table stays empty.
    runSequence(fresh, [
      { block: '040c 2f73 616d 706c 652f 7061 7468', fields: [[':path', '/sample/path']], size: 0, entries: 0 },
      { block: '1008 7061 7373 776f 7264 0673 6563 7265 74', fields: [['password', 'secret']], size: 0, entries: 0 },
      { block: '82', fields: [[':method', 'GET']], size: 0, entries: 0 },
    ]);
  });

  test('C.3: three requests without Huffman coding share the dynamic table', () => {
    runSequence(new HpackDecoder(), [
      { block: '828684410f7777772e6578616d706c652e636f6d', fields: REQUEST_1, size: 57, entries: 1 },
      { block: '828684be58086e6f2d6361636865', fields: REQUEST_2, size: 110, entries: 2 },
      { block: '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565', fields: REQUEST_3, size: 164, entries: 3 },
    ]);
  });

  test('C.4: the same requests with Huffman coding', () => {
    runSequence(new HpackDecoder(), [
      { block: '828684418cf1e3c2e5f23a6ba0ab90f4ff', fields: REQUEST_1, size: 57, entries: 1 },
      { block: '828684be5886a8eb10649cbf', fields: REQUEST_2, size: 110, entries: 2 },
      { block: '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf', fields: REQUEST_3, size: 164, entries: 3 },
    ]);
  });

  test('C.5: three responses without Huffman coding in a 256-octet table, with eviction', () => {
    runSequence(new HpackDecoder({ maxTableSize: 256 }), [
      {
        block: `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
                2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
                6c65 2e63 6f6d`,
        fields: RESPONSE_1,
        size: 222,
        entries: 4,
      },
      // ":status: 307" evicts ":status: 302".
      { block: '4803 3330 37c1 c0bf', fields: RESPONSE_2, size: 222, entries: 4 },
      {
        block: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
                54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
                5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
                3d31`,
        fields: RESPONSE_3,
        size: 215,
        entries: 3,
      },
    ]);
  });

  test('C.6: the same responses with Huffman coding', () => {
    runSequence(new HpackDecoder({ maxTableSize: 256 }), [
      {
        block: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
        fields: RESPONSE_1,
        size: 222,
        entries: 4,
      },
      { block: '4883 640e ffc1 c0bf', fields: RESPONSE_2, size: 222, entries: 4 },
      {
        block: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
        fields: RESPONSE_3,
        size: 215,
        entries: 3,
      },
    ]);
  });
});

describe('HPACK decoder: malformed blocks are HpackError', () => {
  test('an empty block is an empty list, not an error', () => {
    assert.deepEqual(new HpackDecoder().decode(new Uint8Array(0)), []);
  });

  test('a plain Uint8Array view at an offset decodes like a Buffer', () => {
    const backing = new Uint8Array(64).fill(0xee);
    const block = hex('828684410f7777772e6578616d706c652e636f6d');
    backing.set(block, 10);
    assert.deepEqual(new HpackDecoder().decode(backing.subarray(10, 10 + block.length)), REQUEST_1);
  });

  test('errors carry a message saying what was wrong', () => {
    const error = attempt(new HpackDecoder(), '80');
    assert.ok(error instanceof HpackError);
    assert.match(error.message, /index 0/);
  });

  test('index 0 (section 6.1)', () => {
    assertHpackError('80');
    assertHpackError('8280'); // after a good field too
  });

  test('an index beyond the static and dynamic tables', () => {
    assertHpackError('be'); // 62 with an empty dynamic table
    assertHpackError('ff00'); // 127
    assertHpackError('7e0161'); // literal naming entry 62
    assertHpackError('0f3001 61'); // literal without indexing naming entry 63
    assertHpackError('ffffffff07'); // a huge index
  });

  test('integers that overflow or never end', () => {
    assertHpackError('ff80808080808000'); // six continuation octets
    assertHpackError('ffffffffff0f'); // > 2^31
    assertHpackError('ff'); // block ends inside the integer
    assertHpackError('ff80');
  });

  test('string literals longer than the rest of the block', () => {
    assertHpackError('4005616263'); // name of 5 octets, 3 present
    assertHpackError('400161'); // name present, value missing
    assertHpackError('4001610561'); // value of 5 octets, 1 present
    assertHpackError('007fe0ffffff07'); // a length near 2^31
    assertHpackError('40'); // nothing after the representation
  });

  test('Huffman strings with bad padding or EOS (section 5.2)', () => {
    assertHpackError('00811801 61'); // name 'a' padded with zeros
    assertHpackError('00821fff0161'); // 'a' then 11 bits of padding
    assertHpackError('0081ff0161'); // 8 bits of padding alone
    assertHpackError('0084fffffffc0161'); // EOS
    assertHpackError('0001618400000000'); // value: six '0' codes (30 bits) then two zero bits of padding
  });

  test('a size update above the advertised limit, or after a field (sections 4.2 and 6.3)', () => {
    assertHpackError('3fe21f'); // 4097 > 4096
    assertHpackError('3f61', { maxTableSize: 100 }); // 128 > 100
    assertHpackError('8220'); // after a field
    assertHpackError('82203fe11f');
    assertHpackError('3f'); // truncated
  });

  test('a malformed representation after a good one still fails the whole block', () => {
    assertHpackError('828684be');
  });
});

describe('HPACK decoder: dynamic table', () => {
  test('evicts the oldest entries to stay within the maximum size (section 4.4)', () => {
    const decoder = new HpackDecoder({ maxTableSize: 100 });
    // Each "x-n: v" entry is 3 + 1 + 32 = 36 octets: two fit in 100, a third evicts the first.
    const add = (n: number): string => `4003782d${(0x30 + n).toString(16)}0176`;
    decoder.decode(hex(add(1) + add(2)));
    assert.equal(decoder.dynamicTableSize, 72);
    assert.deepEqual(decoder.decode(hex('be bf')), [['x-2', 'v'], ['x-1', 'v']]);
    decoder.decode(hex(add(3)));
    assert.equal(decoder.dynamicTableSize, 72);
    assert.equal(decoder.dynamicTableLength, 2);
    assert.deepEqual(decoder.decode(hex('be bf')), [['x-3', 'v'], ['x-2', 'v']]);
    assert.throws(() => decoder.decode(hex('c0')), HpackError);
  });

  test('an entry larger than the table empties it and is not an error (section 4.4)', () => {
    const decoder = new HpackDecoder({ maxTableSize: 64 });
    decoder.decode(hex('4003782d310176'));
    assert.equal(decoder.dynamicTableLength, 1);
    const big = 'v'.repeat(40);
    const fields = decoder.decode(hex(`4003782d32${(40).toString(16)}${Buffer.from(big).toString('hex')}`));
    assert.deepEqual(fields, [['x-2', big]]);
    assert.equal(decoder.dynamicTableLength, 0);
    assert.equal(decoder.dynamicTableSize, 0);
  });

  test('size updates at the start of a block shrink and regrow the table (section 6.3)', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('828684410f7777772e6578616d706c652e636f6d'));
    assert.equal(decoder.dynamicTableLength, 1);
    // Two updates: to 0 (empties the table) then back to 4096, then a field.
    assert.deepEqual(decoder.decode(hex('20 3fe11f 82')), [[':method', 'GET']]);
    assert.equal(decoder.dynamicTableLength, 0);
    assert.equal(decoder.dynamicTableCapacity, 4096);
    // A block of only a size update is legal and decodes to no fields.
    assert.deepEqual(decoder.decode(hex('3f11')), []);
    assert.equal(decoder.dynamicTableCapacity, 48);
  });

  test('a smaller table size update evicts entries that no longer fit', () => {
    const decoder = new HpackDecoder();
    decoder.decode(hex('4003782d3101764003782d320176')); // two entries of 36
    assert.deepEqual(decoder.decode(hex('3f05 be')), [['x-2', 'v']]); // update to 36
    assert.equal(decoder.dynamicTableLength, 1);
  });
});

describe('HPACK decoder: header list size limit (RFC 9113 section 6.5.2)', () => {
  test('a list at the limit decodes; one octet more is HpackListTooLarge', () => {
    // ":method: GET" counts 7 + 3 + 32 = 42.
    assert.deepEqual(new HpackDecoder({ maxHeaderListSize: 84 }).decode(hex('8282')), [[':method', 'GET'], [':method', 'GET']]);
    const error = attempt(new HpackDecoder({ maxHeaderListSize: 83 }), '8282');
    assert.ok(error instanceof HpackListTooLarge);
    assert.equal(error.listSize, 84);
    assert.equal(error.limit, 83);
  });

  test('the rejected block still updates the dynamic table, so the next block decodes', () => {
    const decoder = new HpackDecoder({ maxHeaderListSize: 100 });
    const value = 'v'.repeat(100);
    const literal = Buffer.concat([hex('4003782d31'), Buffer.from([100]), Buffer.from(value)]);
    assert.throws(() => decoder.decode(literal), HpackListTooLarge);
    assert.equal(decoder.dynamicTableLength, 1);
    // The limit is per block: a short block naming the big entry is still too large...
    assert.throws(() => decoder.decode(hex('be')), HpackListTooLarge);
    // ...but a block after it that does not is fine, and the table is in sync.
    assert.deepEqual(decoder.decode(hex('82')), [[':method', 'GET']]);
    assert.equal(decoder.dynamicTableSize, 3 + 100 + 32);
  });

  test('the default limit is 16384 octets', () => {
    const literal = (length: number): Buffer =>
      Buffer.concat([hex('0003782d61 7f'), Buffer.from([0x80 | ((length - 127) & 0x7f), (length - 127) >> 7]), Buffer.alloc(length, 0x76)]);
    // 3 + 16349 + 32 = 16384 fits; one more octet does not.
    assert.equal(new HpackDecoder().decode(literal(16349))[0]![1].length, 16349);
    assert.throws(() => new HpackDecoder().decode(literal(16350)), HpackListTooLarge);
  });

  test('a malformed block that is also too large is reported as malformed', () => {
    const decoder = new HpackDecoder({ maxHeaderListSize: 50 });
    const result = attempt(decoder, '8282 80');
    assert.ok(result instanceof HpackError && !(result instanceof HpackListTooLarge));
  });
});

/** Section 4.1 / RFC 9113 section 6.5.2 size of a list. */
function listSize(fields: Fields): number {
  return fields.reduce((sum, [name, value]) => sum + name.length + value.length + 32, 0);
}

describe('HPACK decoder: random input', () => {
  test('random blocks throw only HpackError and never exceed the table or list bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 800 }),
        fc.array(fc.uint8Array({ maxLength: 120 }), { minLength: 1, maxLength: 6 }),
        (maxTableSize, maxHeaderListSize, blocks) => {
          const decoder = new HpackDecoder({ maxTableSize, maxHeaderListSize });
          for (const block of blocks) {
            try {
              const fields = decoder.decode(block);
              assert.ok(listSize(fields) <= maxHeaderListSize);
            } catch (error) {
              assert.ok(error instanceof HpackError, String(error));
            }
            assert.ok(decoder.dynamicTableSize <= decoder.dynamicTableCapacity);
            assert.ok(decoder.dynamicTableCapacity <= maxTableSize);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('valid blocks with one octet changed throw only HpackError', () => {
    const field = fc.tuple(fc.constantFrom('server', 'x-a', 'content-type', ':status', 'set-cookie'), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (fields, at, octet) => {
        const encoded = new HpackEncoder().encode(fields.map(([n, v]) => [n, v.replace(/[^\x20-\x7e]/g, '')] as const));
        encoded[at % encoded.length] = octet;
        try {
          new HpackDecoder().decode(encoded);
        } catch (error) {
          assert.ok(error instanceof HpackError, String(error));
        }
      }),
      { numRuns: 500 },
    );
  });
});
