/**
 * The CGI header-block parser (RFC 3875 section 6): what a program's output means, however
 * it is split into chunks, and that nothing malformed or unbounded gets through.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CgiHeaderParser, CgiOutputError, type CgiHead } from '../../src/cgi/header-block.js';

/** Feeds `output` in the given pieces; the head, or the error thrown. */
function parse(output: string | Buffer, cuts: readonly number[] = [], maxBytes?: number): CgiHead | CgiOutputError {
  const data = typeof output === 'string' ? Buffer.from(output, 'latin1') : output;
  const parser = new CgiHeaderParser(maxBytes);
  const points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
  let from = 0;
  try {
    for (const point of [...points, data.length]) {
      const head = parser.push(data.subarray(from, point));
      from = point;
      if (head !== undefined) {
        // What was not yet fed is the rest of the body too.
        return { ...head, rest: Buffer.concat([head.rest, data.subarray(from)]) };
      }
    }
    return parser.end();
  } catch (error) {
    if (error instanceof CgiOutputError) return error;
    throw error;
  }
}

function head(result: CgiHead | CgiOutputError): CgiHead {
  if (result instanceof CgiOutputError) assert.fail(`unexpected error: ${result.message}`);
  return result;
}

function error(result: CgiHead | CgiOutputError): CgiOutputError {
  assert.ok(result instanceof CgiOutputError, 'expected a malformed block');
  return result;
}

describe('CGI header block', () => {
  test('Content-Type alone: 200, fields in order, the body after the empty line', () => {
    const h = head(parse('Content-Type: text/plain\nX-A:  1 \n\nbody\n\nmore'));
    assert.equal(h.status, 200);
    assert.equal(h.reason, undefined);
    assert.equal(h.redirect, false);
    assert.deepEqual(h.fields, [['Content-Type', 'text/plain'], ['X-A', '1']]);
    assert.equal(h.rest.toString('latin1'), 'body\n\nmore');
  });

  test('CRLF line ends, and a mix of both', () => {
    const h = head(parse('Content-Type: text/html\r\nX-B: 2\n\r\n<p>'));
    assert.deepEqual(h.fields, [['Content-Type', 'text/html'], ['X-B', '2']]);
    assert.equal(h.rest.toString(), '<p>');
  });

  test('Status with any three-digit code and a reason', () => {
    const h = head(parse('Status: 678 Some reason here\nContent-Type: text/plain\n\n'));
    assert.equal(h.status, 678);
    assert.equal(h.reason, 'Some reason here');
    assert.deepEqual(h.fields, [['Content-Type', 'text/plain']], 'Status is not a field of the response');
    assert.equal(head(parse('status: 404\n\n')).status, 404);
    assert.equal(head(parse('status: 404\n\n')).reason, undefined);
  });

  test('Location alone is a redirect; with Status it is not', () => {
    const redirect = head(parse('Location: http://example.com/x\n\n'));
    assert.equal(redirect.status, 302);
    assert.equal(redirect.redirect, true);
    const withStatus = head(parse('Status: 301 Moved\nLocation: http://example.com/x\n\n'));
    assert.equal(withStatus.status, 301);
    assert.equal(withStatus.redirect, false);
  });

  test('malformed blocks are refused', () => {
    const cases: Array<[string, string]> = [
      ['no Content-Type, Location or Status', 'X-Only: 1\n\nbody'],
      ['a line without a colon', 'Content-Type: text/plain\nnot a field\n\n'],
      ['an empty name', ': value\nContent-Type: a/b\n\n'],
      ['a space before the colon', 'Content-Type : text/plain\n\n'],
      ['obs-fold', 'Content-Type: text/plain\n continued\n\n'],
      ['a control character in a value', 'Content-Type: text/plain\x01\n\n'],
      ['a bare CR inside a value', 'Content-Type: text/\rplain\n\n'],
      ['a status that is not three digits', 'Status: 20 OK\nContent-Type: a/b\n\n'],
      ['a 1xx status', 'Status: 100 Continue\nContent-Type: a/b\n\n'],
      ['a status with letters', 'Status: 2x0 OK\n\n'],
      ['two Status fields', 'Status: 200 OK\nStatus: 201 Created\n\n'],
      ['two Content-Type fields', 'Content-Type: a/b\nContent-Type: c/d\n\n'],
      ['an empty Location', 'Location:\n\n'],
      ['an empty block', '\nbody'],
    ];
    for (const [what, output] of cases) assert.ok(parse(output) instanceof CgiOutputError, what);
    assert.match(error(parse('')).message, /nothing/);
    assert.match(error(parse('Content-Type: text/plain\n')).message, /ended before/);
  });

  test('the block is bounded: a program that never ends it is refused at the bound', () => {
    const parser = new CgiHeaderParser(1024);
    assert.equal(parser.push(Buffer.from('Content-Type: text/plain\n')), undefined);
    assert.throws(() => parser.push(Buffer.alloc(2000, 0x61)), CgiOutputError);
    error(parse(`X-Long: ${'v'.repeat(2000)}\nContent-Type: a/b\n\n`, [], 1024));
    head(parse(`X-Long: ${'v'.repeat(900)}\nContent-Type: a/b\n\n`, [], 1024));
  });

  test('property: however the output is split into chunks, the same head and body', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/).filter((n) => !['status', 'content-type', 'location'].includes(n.toLowerCase()));
    const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, value), { maxLength: 8 }),
        fc.option(fc.integer({ min: 200, max: 999 }), { nil: undefined }),
        fc.constantFrom('\n', '\r\n'),
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 6 }),
        (fields, status, eol, body, cuts) => {
          const lines = [...(status !== undefined ? [`Status: ${status} R`] : []), 'Content-Type: x/y', ...fields.map(([n, v]) => `${n}: ${v}`)];
          const output = Buffer.concat([Buffer.from(lines.map((l) => l + eol).join('') + eol, 'latin1'), body]);
          const h = head(parse(output, cuts));
          assert.equal(h.status, status ?? 200);
          assert.deepEqual(h.fields, [['Content-Type', 'x/y'], ...fields]);
          assert.ok(h.rest.equals(Buffer.from(body)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('property: arbitrary output never crashes the parser: a head or a CgiOutputError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat({ max: 200 }), { maxLength: 5 }), (bytes, cuts) => {
        const result = parse(Buffer.from(bytes), cuts, 128);
        if (result instanceof CgiOutputError) return;
        // A head only when the block really had Content-Type, Location or Status.
        assert.ok(result.status >= 200 && result.status <= 999);
        for (const [n, v] of result.fields) {
          assert.ok(!/[\r\n]/.test(n + v), 'no line break reaches a field');
        }
      }),
      { numRuns: 500 },
    );
  });
});
