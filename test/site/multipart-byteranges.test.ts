import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planMultipartByteranges } from '../../src/site/multipart-byteranges.js';
import type { MultipartPlan } from '../../src/site/multipart-byteranges.js';
import { evaluateRange } from '../../src/site/range.js';

/** Assembles the body the way the engine streams it: each head, its file bytes, then the tail. */
function assemble(plan: MultipartPlan, file: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (const part of plan.parts) chunks.push(part.head, file.subarray(part.range.start, part.range.end + 1));
  chunks.push(plan.tail);
  return Buffer.concat(chunks);
}

describe('planMultipartByteranges (RFC 9110 14.6)', () => {
  it('frames each part and closes the body, with the exact length', () => {
    const file = Buffer.from('0123456789abcdefghij');
    const plan = planMultipartByteranges(
      [
        { start: 0, end: 3 },
        { start: 10, end: 19 },
      ],
      file.length,
      'text/plain; charset=utf-8',
      'BOUNDARY',
    );
    const expected =
      '\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-3/20\r\n\r\n0123' +
      '\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 10-19/20\r\n\r\nabcdefghij' +
      '\r\n--BOUNDARY--\r\n';
    assert.equal(plan.contentType, 'multipart/byteranges; boundary=BOUNDARY');
    assert.equal(assemble(plan, file).toString('latin1'), expected);
    assert.equal(plan.length, Buffer.byteLength(expected));
    assert.equal(plan.tail.toString(), '\r\n--BOUNDARY--\r\n');
  });

  it('uses a fresh random hex boundary by default', () => {
    const ranges = [{ start: 0, end: 0 }];
    const a = planMultipartByteranges(ranges, 1, 'text/plain');
    const b = planMultipartByteranges(ranges, 1, 'text/plain');
    assert.match(a.contentType, /^multipart\/byteranges; boundary=[0-9a-f]{32}$/);
    assert.notEqual(a.contentType, b.contentType);
    const boundary = a.contentType.slice(a.contentType.indexOf('=') + 1);
    assert.ok(a.parts[0]?.head.toString().startsWith(`\r\n--${boundary}\r\n`));
  });

  it('quotes a boundary that is not a token', () => {
    const plan = planMultipartByteranges([{ start: 0, end: 0 }], 1, 'text/plain', 'a b:c');
    assert.equal(plan.contentType, 'multipart/byteranges; boundary="a b:c"');
  });

  it('omits Content-Type in the parts when the representation has none', () => {
    const plan = planMultipartByteranges([{ start: 0, end: 0 }], 1, '', 'B');
    assert.equal(plan.parts[0]?.head.toString(), '\r\n--B\r\nContent-Range: bytes 0-0/1\r\n\r\n');
  });

  it('refuses ranges outside the representation, an empty list, bad boundaries and line breaks', () => {
    assert.throws(() => planMultipartByteranges([], 10, 'text/plain'), RangeError);
    assert.throws(() => planMultipartByteranges([{ start: 5, end: 10 }], 10, 'text/plain'), RangeError);
    assert.throws(() => planMultipartByteranges([{ start: 6, end: 5 }], 10, 'text/plain'), RangeError);
    assert.throws(() => planMultipartByteranges([{ start: -1, end: 5 }], 10, 'text/plain'), RangeError);
    assert.throws(() => planMultipartByteranges([{ start: 0, end: 1 }], 10, 'text/plain', ''), RangeError);
    assert.throws(() => planMultipartByteranges([{ start: 0, end: 1 }], 10, 'text/plain', 'x'.repeat(71)), RangeError);
    assert.throws(() => planMultipartByteranges([{ start: 0, end: 1 }], 10, 'text/plain', 'ends in space '), RangeError);
    assert.throws(() => planMultipartByteranges([{ start: 0, end: 1 }], 10, 'text/plain', 'a"b'), RangeError);
    assert.throws(() => planMultipartByteranges([{ start: 0, end: 1 }], 10, 'text/plain\r\nX-Evil: 1'), RangeError);
  });

  it('assembled from a random file, the body has exactly plan.length bytes and each part holds its slice', () => {
    const specs = fc.array(
      fc.oneof(
        fc.tuple(fc.nat(600), fc.nat(600)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.integer({ min: 1, max: 600 }).map((n) => `-${n}`),
      ),
      { minLength: 1, maxLength: 20 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), specs, (bytes, list) => {
        const file = Buffer.from(bytes);
        const outcome = evaluateRange(`bytes=${list.join(',')}`, file.length);
        if (outcome.kind !== 'partial') return;
        const plan = planMultipartByteranges(outcome.ranges, file.length, 'application/octet-stream');
        const body = assemble(plan, file);
        assert.equal(body.length, plan.length);
        let offset = 0;
        for (const part of plan.parts) {
          assert.ok(body.subarray(offset, offset + part.head.length).equals(part.head));
          offset += part.head.length;
          const length = part.range.end - part.range.start + 1;
          assert.ok(body.subarray(offset, offset + length).equals(file.subarray(part.range.start, part.range.end + 1)));
          assert.ok(part.head.toString().endsWith(`Content-Range: bytes ${part.range.start}-${part.range.end}/${file.length}\r\n\r\n`));
          offset += length;
        }
        assert.ok(body.subarray(offset).equals(plan.tail));
      }),
    );
  });
});
