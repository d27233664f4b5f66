/**
 * Tests of the chunked request-body decoder (RFC 9112 section 7.1): sizes, extensions,
 * trailers, line ends, framing errors, the body limit, and that however the bytes are cut
 * the decoder ends on the same byte, so a pipelined request after the body is left intact.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkedDecoder } from '../../src/http/chunked-decoder.js';
import { HttpError } from '../../src/http/http-error.js';

const LIMIT = 1024 * 1024;
const NEXT_REQUEST = 'GET /next HTTP/1.1\r\nHost: a\r\n\r\n';

interface Decoded {
  readonly body: string;
  readonly consumed: number;
  readonly done: boolean;
}

/** A sink that copies every piece of chunk data it is given (pieces are views of the input). */
function collector(): { sink: (piece: Buffer) => boolean; body: () => Buffer } {
  const pieces: Buffer[] = [];
  return { sink: (piece) => (pieces.push(Buffer.from(piece)), true), body: () => Buffer.concat(pieces) };
}

/** Feeds `pieces` in order (each a separate feed, as packets would arrive) until done. */
function decodePieces(pieces: readonly Buffer[], limit = LIMIT): Decoded {
  const decoder = new ChunkedDecoder(limit);
  const out = collector();
  let consumed = 0;
  for (const piece of pieces) {
    if (decoder.done) break;
    const used = decoder.feed(piece, 0, piece.length, out.sink);
    if (!decoder.done) assert.equal(used, piece.length, 'an unfinished body consumes every byte it is given');
    consumed += used;
  }
  return { body: decoder.done ? out.body().toString('latin1') : '', consumed, done: decoder.done };
}

function decode(text: string, limit = LIMIT): Decoded {
  return decodePieces([Buffer.from(text, 'latin1')], limit);
}

/** Cuts `buf` at the given positions. */
function cut(buf: Buffer, positions: readonly number[]): Buffer[] {
  const sorted = [...new Set(positions)].filter((p) => p > 0 && p < buf.length).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of sorted) {
    pieces.push(buf.subarray(from, p));
    from = p;
  }
  pieces.push(buf.subarray(from));
  return pieces;
}

function statusOf(text: string, limit = LIMIT): number | 'ok' | 'incomplete' {
  try {
    return decode(text, limit).done ? 'ok' : 'incomplete';
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

describe('ChunkedDecoder: well-formed bodies', () => {
  it('decodes one chunk and reports every byte of the message as consumed', () => {
    const text = '5\r\nhello\r\n0\r\n\r\n';
    assert.deepEqual(decode(text), { body: 'hello', consumed: text.length, done: true });
  });

  it('decodes several chunks, hex sizes in either case, leading zeros', () => {
    const text = `a\r\n0123456789\r\nA\r\nabcdefghij\r\n0001\r\nz\r\n1F\r\n${'x'.repeat(31)}\r\n0\r\n\r\n`;
    const decoded = decode(text);
    assert.equal(decoded.body, `0123456789abcdefghijz${'x'.repeat(31)}`);
    assert.equal(decoded.consumed, text.length);
  });

  it('an empty body is just the last chunk', () => {
    assert.deepEqual(decode('0\r\n\r\n'), { body: '', consumed: 5, done: true });
    assert.deepEqual(decode('000\r\n\r\n'), { body: '', consumed: 7, done: true });
  });

  it('ignores chunk extensions, with or without values (token or quoted)', () => {
    const text = '5;name=value\r\nhello\r\n3;a=b;c;d="x;y"\r\nabc\r\n0;last\r\n\r\n';
    assert.deepEqual(decode(text), { body: 'helloabc', consumed: text.length, done: true });
  });

  it('refuses whitespace around extensions and an empty extension, as llhttp does -> 400', () => {
    for (const ext of [' ;a=b', '; a=b', ';a =b', ';a= b', ';', ';a=', ';=b', ';a="b']) {
      assert.equal(statusOf(`1${ext}\r\nx\r\n0\r\n\r\n`), 400, JSON.stringify(ext));
    }
  });

  it('reads and discards trailer fields', () => {
    const text = '5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n';
    assert.deepEqual(decode(text), { body: 'hello', consumed: text.length, done: true });
  });

  it('refuses bare LF line ends anywhere in the chunked coding, as llhttp does -> 400', () => {
    for (const text of ['5\nhello\r\n0\r\n\r\n', '5\r\nhello\n0\r\n\r\n', '5\r\nhello\r\n0\n\r\n', '5\r\nhello\r\n0\r\nX-T: 1\n\r\n', '5\r\nhello\r\n0\r\n\n']) {
      assert.equal(statusOf(text), 400, JSON.stringify(text));
    }
  });

  it('accepts any number of leading zeros in a chunk size (llhttp and nginx do)', () => {
    const text = `${'0'.repeat(40)}5\r\nhello\r\n${'0'.repeat(30)}\r\n\r\n`;
    assert.deepEqual(decode(text), { body: 'hello', consumed: text.length, done: true });
  });

  it('refuses malformed trailer lines -> 400', () => {
    for (const line of ['X T: 1', 'X : 1', ' X: 1', 'NoColon', ': v']) {
      assert.equal(statusOf(`0\r\n${line}\r\n\r\n`), 400, JSON.stringify(line));
    }
  });

  it('chunk data may contain CR, LF and any byte', () => {
    const data = '\r\n0\r\n\r\n\x00\xff';
    const text = `${data.length.toString(16)}\r\n${data}\r\n0\r\n\r\n`;
    assert.deepEqual(decode(text), { body: data, consumed: text.length, done: true });
  });

  it('leaves pipelined bytes after the body unconsumed', () => {
    const body = '5\r\nhello\r\n0\r\nX: y\r\n\r\n';
    const decoded = decode(body + NEXT_REQUEST);
    assert.deepEqual(decoded, { body: 'hello', consumed: body.length, done: true });
  });

  it('honours start and end within a larger buffer', () => {
    const buf = Buffer.from(`junk5\r\nhello\r\n0\r\n\r\nmore`, 'latin1');
    const decoder = new ChunkedDecoder(LIMIT);
    const out = collector();
    assert.equal(decoder.feed(buf, 4, 10, out.sink), 6);
    assert.equal(decoder.done, false);
    assert.equal(decoder.feed(buf, 10, buf.length, out.sink), buf.length - 10 - 4);
    assert.equal(decoder.done, true);
    assert.equal(out.body().toString(), 'hello');
  });

  it('hands data to the sink as views of the input, and stops when the sink asks it to', () => {
    const buf = Buffer.from('5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n', 'latin1');
    const decoder = new ChunkedDecoder(LIMIT);
    const seen: Buffer[] = [];
    const first = decoder.feed(buf, 0, buf.length, (piece) => (seen.push(piece), false));
    assert.equal(first, 'hello'.length + 3, 'stopped right after the first piece');
    assert.equal(seen[0]?.buffer, buf.buffer, 'a view, not a copy');
    const rest = decoder.feed(buf, first, buf.length, (piece) => (seen.push(piece), true));
    assert.equal(first + rest, buf.length);
    assert.deepEqual(seen.map((p) => p.toString()), ['hello', 'abc']);
    assert.equal(decoder.received, 8);
  });

  it('does not read past the end once done', () => {
    const decoder = new ChunkedDecoder(LIMIT);
    const out = collector();
    const buf = Buffer.from('0\r\n\r\n', 'latin1');
    assert.equal(decoder.feed(buf, 0, buf.length, out.sink), 5);
    assert.equal(decoder.feed(Buffer.from('5\r\nhello\r\n'), 0, 10, out.sink), 0);
    assert.equal(out.body().length, 0);
  });
});

describe('ChunkedDecoder: split at every byte boundary', () => {
  const samples = [
    '5\r\nhello\r\n0\r\n\r\n',
    'a;x=1\r\n0123456789\r\n3\r\n\r\n\r\r\n0\r\nT: 1\r\nU: 2\r\n\r\n',
    '1\r\n\n\r\n0;e\r\n\r\n',
    '0\r\n\r\n',
  ];

  it('every two-piece cut gives the same body and the same consumed count', () => {
    for (const sample of samples) {
      const buf = Buffer.from(sample + NEXT_REQUEST, 'latin1');
      const whole = decodePieces([buf]);
      assert.equal(whole.consumed, sample.length);
      for (let at = 0; at <= buf.length; at++) {
        const split = decodePieces(cut(buf, [at]));
        assert.deepEqual(split, whole, `cut at ${at} of ${JSON.stringify(sample)}`);
      }
    }
  });

  it('one byte at a time gives the same body and the same consumed count', () => {
    for (const sample of samples) {
      const buf = Buffer.from(sample + NEXT_REQUEST, 'latin1');
      const bytes = Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
      assert.deepEqual(decodePieces(bytes), decodePieces([buf]), JSON.stringify(sample));
    }
  });
});

describe('ChunkedDecoder: framing errors', () => {
  it('a chunk size that is not hexadecimal -> 400', () => {
    for (const text of ['g\r\n', 'x\r\n', '\r\n', '-1\r\n', '+5\r\n', ' 5\r\n', '0x5\r\n', '5 5\r\n', '5 \r\n', '5\t\r\n', '5.0\r\n', ';ext\r\n']) {
      assert.equal(statusOf(`${text}hello\r\n0\r\n\r\n`), 400, JSON.stringify(text));
    }
  });

  it('data longer than its declared size (missing CRLF after the data) -> 400', () => {
    assert.equal(statusOf('5\r\nhelloX\r\n0\r\n\r\n'), 400);
    assert.equal(statusOf('5\r\nhello0\r\n\r\n'), 400);
    assert.equal(statusOf('3\r\nhello\r\n0\r\n\r\n'), 400);
  });

  it('a bare CR in a size line or after the data -> 400', () => {
    assert.equal(statusOf('5\rx\r\nhello\r\n0\r\n\r\n'), 400);
    assert.equal(statusOf('5\r\nhello\r\r\n0\r\n\r\n'), 400);
  });

  it('a chunk-size line that never ends -> 400 once it is too long', () => {
    assert.equal(statusOf(`5;${'e'.repeat(5000)}`), 400);
    assert.equal(statusOf(`5;${'e'.repeat(100)}`), 'incomplete');
  });

  it('a huge trailer section -> 431', () => {
    const trailers = Array.from({ length: 40 }, (_, i) => `X-T${i}: ${'v'.repeat(500)}\r\n`).join('');
    assert.equal(statusOf(`0\r\n${trailers}\r\n`), 431);
  });

  it('an unfinished body is not done and consumes everything', () => {
    for (const text of ['5\r\nhel', '5\r\nhello', '5\r\nhello\r\n', '5\r\nhello\r\n0\r\n', '5\r\nhello\r\n0\r\nX: 1\r\n', '5\r\nhello\r\n0\r\n\r']) {
      assert.deepEqual(decode(text), { body: '', consumed: text.length, done: false }, JSON.stringify(text));
    }
  });
});

describe('ChunkedDecoder: the body limit', () => {
  it('a body of exactly the limit is accepted', () => {
    const text = `a\r\n${'x'.repeat(10)}\r\n0\r\n\r\n`;
    assert.equal(decode(text, 10).body, 'x'.repeat(10));
  });

  it('a chunk size over the limit -> 413 before its data arrives', () => {
    assert.equal(statusOf('b\r\n', 10), 413);
    assert.equal(statusOf('FFFFFFFFFFFF\r\n'), 413);
    assert.equal(statusOf('1234567890abc\r\n'), 413, 'more than 12 significant hex digits');
  });

  it('chunks that add up to more than the limit -> 413', () => {
    assert.equal(statusOf(`6\r\n${'x'.repeat(6)}\r\n5\r\n`, 10), 413);
  });

  it('the 413 closes the connection', () => {
    try {
      decode('b\r\n', 10);
      assert.fail('should have thrown');
    } catch (error) {
      assert.ok(error instanceof HttpError);
      assert.equal(error.status, 413);
      assert.equal(error.options.close, true);
    }
  });
});

describe('ChunkedDecoder: property', () => {
  it('any body, chunked any way and cut anywhere, decodes to itself and stops at its end', () => {
    const extension = fc.constantFrom('', ';a', ';a=b', ';x="q;r"', ';k=v;k2');
    const lineEnd = fc.constantFrom('\r\n');
    const trailer = fc.constantFrom('X-T: 1', 'Checksum: abc', 'Y:');
    const arbitrary = fc.record({
      body: fc.uint8Array({ maxLength: 300 }),
      chunkCuts: fc.array(fc.nat({ max: 300 }), { maxLength: 10 }),
      extensions: fc.array(extension, { minLength: 11, maxLength: 11 }),
      lineEnds: fc.array(lineEnd, { minLength: 30, maxLength: 30 }),
      upperHex: fc.boolean(),
      trailers: fc.array(trailer, { maxLength: 3 }),
      feedCuts: fc.array(fc.nat({ max: 400 }), { maxLength: 8 }),
    });
    fc.assert(
      fc.property(arbitrary, ({ body, chunkCuts, extensions, lineEnds, upperHex, trailers, feedCuts }) => {
        const bodyBuf = Buffer.from(body);
        let eol = 0;
        const nextEol = (): string => lineEnds[eol++ % lineEnds.length] as string;
        const parts: Buffer[] = [];
        const chunks = cut(bodyBuf, chunkCuts).filter((c) => c.length > 0);
        chunks.forEach((chunk, i) => {
          const size = upperHex ? chunk.length.toString(16).toUpperCase() : chunk.length.toString(16);
          parts.push(Buffer.from(`${size}${extensions[i] ?? ''}${nextEol()}`, 'latin1'), chunk, Buffer.from(nextEol(), 'latin1'));
        });
        parts.push(Buffer.from(`0${extensions[10] ?? ''}${nextEol()}`, 'latin1'));
        for (const t of trailers) parts.push(Buffer.from(`${t}${nextEol()}`, 'latin1'));
        parts.push(Buffer.from(nextEol(), 'latin1'));
        const encoded = Buffer.concat(parts);
        const wire = Buffer.concat([encoded, Buffer.from(NEXT_REQUEST, 'latin1')]);
        const decoded = decodePieces(cut(wire, feedCuts));
        assert.equal(decoded.done, true);
        assert.equal(decoded.consumed, encoded.length);
        assert.ok(Buffer.from(decoded.body, 'latin1').equals(bodyBuf));
      }),
      { seed: 7112, numRuns: 500 },
    );
  });
});
