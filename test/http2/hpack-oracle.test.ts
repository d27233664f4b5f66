/**
 * HPACK against an independent implementation: Debian's python3-hpack. Random header lists go
 * through our encoder into its decoder, and through its encoder into our decoder, one long
 * sequence per direction so both dynamic tables (and table size updates) are exercised.
 * Skipped, with the reason, when /usr/bin/python3 or its hpack module is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { HpackDecoder, HpackEncoder } from '../../src/http2/hpack/index.js';

const PYTHON = '/usr/bin/python3';

/**
 * Reads {ours: [{block, size}], theirs: [{fields, size}]} as JSON on stdin. Decodes each of our
 * blocks in order with one hpack.Decoder; encodes each list in order with one hpack.Encoder,
 * first setting its table size when `size` is given. Strings travel as latin1 hex.
 */
const ORACLE = String.raw`
import json, sys, hpack
job = json.load(sys.stdin)
decoder = hpack.Decoder(max_header_list_size=1 << 30)
decoder.max_allowed_table_size = 65536
decoded = []
for block in job['ours']:
    fields = decoder.decode(bytes.fromhex(block), raw=True)
    decoded.append([[n.hex(), v.hex()] for n, v in fields])
encoder = hpack.Encoder()
encoded = []
for item in job['theirs']:
    if item.get('size') is not None:
        encoder.header_table_size = item['size']
    fields = [(bytes.fromhex(n), bytes.fromhex(v)) for n, v in item['fields']]
    encoded.append(encoder.encode(fields).hex())
json.dump({'decoded': decoded, 'encoded': encoded}, sys.stdout)
`;

/** Why the oracle cannot run here, or undefined when it can. */
function oracleMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const probe = spawnSync(PYTHON, ['-c', 'import hpack'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) return `python3 has no hpack module (install python3-hpack): ${probe.stderr.trim().split('\n').pop() ?? ''}`;
  return undefined;
}

type Fields = Array<[string, string]>;

const toHex = (text: string): string => Buffer.from(text, 'latin1').toString('hex');
const fromHex = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1');

const NAMES = [':status', ':path', 'server', 'content-type', 'date', 'set-cookie', 'cookie', 'content-length', 'vary', 'x-a'];
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const field = fc.tuple(
  fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[a-z0-9-]{1,16}$/)),
  fc.oneof(fc.constantFrom('200', '304', 'porta', 'text/html', ''), fc.string({ maxLength: 30 }), latin1),
);
const step = fc.record({
  fields: fc.array(field, { maxLength: 10 }),
  // Now and then the table size changes before the block (a SETTINGS_HEADER_TABLE_SIZE change).
  size: fc.option(fc.integer({ min: 0, max: 8192 }), { freq: 8 }),
});

test('python3-hpack decodes what we encode, and we decode what it encodes', (t) => {
  const missing = oracleMissing();
  if (missing !== undefined) {
    t.skip(missing);
    t.diagnostic(`skipped: ${missing}`);
    return;
  }
  const steps = fc.sample(step, { numRuns: 300, seed: 7541 });
  // Our side: one encoder for the whole sequence.
  const encoder = new HpackEncoder({ maxTableSize: 8192 });
  const ours = steps.map(({ fields, size }) => {
    if (size !== null) encoder.setMaxTableSize(size);
    return encoder.encode(fields).toString('hex');
  });
  const theirs = steps.map(({ fields, size }) => ({ fields: fields.map(([n, v]) => [toHex(n), toHex(v)]), size }));

  const run = spawnSync(PYTHON, ['-c', ORACLE], {
    input: JSON.stringify({ ours, theirs }),
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout) as { decoded: string[][][]; encoded: string[] };

  assert.equal(result.decoded.length, steps.length);
  steps.forEach(({ fields }, i) => {
    const decoded: Fields = result.decoded[i]!.map(([n, v]) => [fromHex(n!), fromHex(v!)]);
    assert.deepEqual(decoded, fields, `python decoding our block ${i}`);
  });

  const decoder = new HpackDecoder({ maxTableSize: 8192, maxHeaderListSize: 1 << 20 });
  steps.forEach(({ fields }, i) => {
    assert.deepEqual(decoder.decode(Buffer.from(result.encoded[i]!, 'hex')), fields, `our decoding of python block ${i}`);
  });
});
