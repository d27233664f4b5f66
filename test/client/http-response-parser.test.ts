import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpResponseParser, type ResponseEvent, type ResponseHead } from '../../src/client/http-response-parser.js';

interface Parsed {
  heads: ResponseHead[];
  informational: ResponseHead[];
  body: string;
  trailers: Array<[string, string]>;
  complete: boolean;
  error: string | undefined;
}

/** Feeds `pieces` (then, unless `open`, the end of the connection) and sums up the events. */
function parse(pieces: Array<string | Buffer>, options: { method?: string; open?: boolean; maxHeadBytes?: number } = {}): Parsed {
  const parser = new HttpResponseParser({ requestMethod: options.method ?? 'GET', maxHeadBytes: options.maxHeadBytes });
  const events: ResponseEvent[] = [];
  for (const piece of pieces) events.push(...parser.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece, 'latin1')));
  if (!options.open) events.push(...parser.end());
  const parsed: Parsed = { heads: [], informational: [], body: '', trailers: [], complete: false, error: undefined };
  for (const event of events) {
    assert.equal(parsed.complete || parsed.error !== undefined, false, `event ${event.type} after the end`);
    if (event.type === 'head') parsed.heads.push(event.head);
    else if (event.type === 'informational') parsed.informational.push(event.head);
    else if (event.type === 'body') parsed.body += event.data.toString('latin1');
    else if (event.type === 'trailers') parsed.trailers.push(...event.fields.map((f): [string, string] => [f.name, f.value]));
    else if (event.type === 'complete') parsed.complete = true;
    else parsed.error = event.error.message;
  }
  return parsed;
}

/** Every way of cutting `text` in two must give the same result as the whole. */
function parseSplitEverywhere(text: string, options: { method?: string } = {}): Parsed {
  const whole = parse([text], options);
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(parse([text.slice(0, cut), text.slice(cut)], options), whole, `cut at ${cut}`);
  }
  return whole;
}

describe('HttpResponseParser: heads', () => {
  it('parses the status line and fields, names and values as sent', () => {
    const r = parse(['HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n']);
    const head = r.heads[0] as ResponseHead;
    assert.equal(head.version, '1.1');
    assert.equal(head.status, 404);
    assert.equal(head.reason, 'Not Found');
    assert.deepEqual(head.fields, [
      { name: 'Content-Type', value: 'text/plain' },
      { name: 'X-Empty', value: '' },
      { name: 'Content-Length', value: '0' },
    ]);
    assert.equal(r.complete, true);
  });

  it('accepts an empty or missing reason phrase and HTTP/1.0', () => {
    assert.equal(parse(['HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n']).heads[0]?.reason, '');
    assert.equal(parse(['HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n']).heads[0]?.status, 200);
    assert.equal(parse(['HTTP/1.0 200 OK\r\n\r\nbody']).heads[0]?.version, '1.0');
  });

  it('accepts bare LF line ends (RFC 9112 §2.2)', () => {
    const r = parse(['HTTP/1.1 200 OK\nContent-Length: 2\n\nok']);
    assert.equal(r.body, 'ok');
    assert.equal(r.complete, true);
  });

  it('trims optional whitespace around values and unfolds obs-fold (RFC 9112 §5.2)', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nX-A: \t padded \t\r\nX-Folded: one\r\n  two\r\nContent-Length: 0\r\n\r\n']);
    assert.deepEqual(r.heads[0]?.fields.slice(0, 2), [
      { name: 'X-A', value: 'padded' },
      { name: 'X-Folded', value: 'one two' },
    ]);
  });

  it('skips 1xx interim responses and reports them (RFC 9110 §15.2)', () => {
    const r = parse(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx']);
    assert.deepEqual(
      r.informational.map((h) => h.status),
      [100, 103],
    );
    assert.equal(r.heads.length, 1);
    assert.equal(r.heads[0]?.status, 200);
    assert.equal(r.body, 'x');
  });

  it('gives the same events however the bytes are split', () => {
    const r = parseSplitEverywhere('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Y: z\r\n\r\nhello');
    assert.equal(r.body, 'hello');
    assert.equal(r.complete, true);
  });
});

describe('HttpResponseParser: body framing (RFC 9112 §6.3)', () => {
  it('reads exactly Content-Length bytes and ignores what follows', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA'], { open: true });
    assert.equal(r.body, 'abc');
    assert.equal(r.complete, true);
  });

  it('completes a Content-Length: 0 response without waiting for close', () => {
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'], { open: true }).complete, true);
  });

  it('accepts repeated identical Content-Length values', () => {
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 02\r\n\r\nok']).body, 'ok');
  });

  it('reads a body without length or chunking until the connection closes', () => {
    const open = parse(['HTTP/1.1 200 OK\r\n\r\npart one, ', 'part two'], { open: true });
    assert.equal(open.complete, false);
    const closed = parse(['HTTP/1.1 200 OK\r\n\r\npart one, ', 'part two']);
    assert.equal(closed.body, 'part one, part two');
    assert.equal(closed.complete, true);
  });

  it('has no body for HEAD, 204 and 304 whatever the fields say', () => {
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'], { method: 'HEAD', open: true }).complete, true);
    assert.equal(parse(['HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n'], { open: true }).complete, true);
    assert.equal(parse(['HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n'], { open: true }).complete, true);
  });

  it('lets chunked win over Content-Length', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n']);
    assert.equal(r.body, 'ok');
    assert.equal(r.complete, true);
  });

  it('reads until close when the final coding is not chunked', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw']);
    assert.equal(r.body, 'raw');
  });
});

describe('HttpResponseParser: chunked (RFC 9112 §7.1)', () => {
  const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

  it('decodes chunks, ignores extensions, and reports trailers', () => {
    const r = parseSplitEverywhere(`${chunked}5;name=value\r\nhello\r\nA ; x="y"\r\n, world!!!\r\n0\r\nX-Checksum: abc\r\nX-Two: 2\r\n\r\n`);
    assert.equal(r.body, 'hello, world!!!');
    assert.deepEqual(r.trailers, [
      ['X-Checksum', 'abc'],
      ['X-Two', '2'],
    ]);
    assert.equal(r.complete, true);
  });

  it('accepts upper- and lower-case hex and leading zeros', () => {
    assert.equal(parse([`${chunked}0000b\r\nhello world\r\n00\r\n\r\n`]).body, 'hello world');
    assert.equal(parse([`${chunked}B\r\nhello world\r\n0\r\n\r\n`]).body, 'hello world');
  });

  it('completes at the last chunk without waiting for close', () => {
    assert.equal(parse([`${chunked}1\r\nx\r\n0\r\n\r\n`], { open: true }).complete, true);
  });

  it('passes binary chunk data through untouched', () => {
    const data = Buffer.from([0, 13, 10, 255, 48, 13, 10]);
    const parser = new HttpResponseParser({ requestMethod: 'GET' });
    const events = parser.push(Buffer.concat([Buffer.from(`${chunked}7\r\n`), data, Buffer.from('\r\n0\r\n\r\n')]));
    const body = Buffer.concat(events.flatMap((e) => (e.type === 'body' ? [e.data] : [])));
    assert.deepEqual(body, data);
  });
});

describe('HttpResponseParser: malformed responses', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['nothing at all', [], /closed the connection without sending a response/],
    ['not HTTP', ['SSH-2.0-OpenSSH_9.0\r\n'], /not an HTTP response \(status line "SSH-2.0-OpenSSH_9.0"\)/],
    ['HTTP/0.9-style body', ['<html>hello</html>\n'], /not an HTTP response/],
    ['HTTP/2 version', ['HTTP/2.0 200 OK\r\n\r\n'], /unsupported HTTP version HTTP\/2\.0/],
    ['status code out of range', ['HTTP/1.1 099 Low\r\n\r\n'], /invalid status code 099/],
    ['two-digit status', ['HTTP/1.1 20 OK\r\n\r\n'], /not an HTTP response/],
    ['cut in the status line', ['HTTP/1.1 20'], /middle of the status line/],
    ['cut in the head', ['HTTP/1.1 200 OK\r\nContent-Le'], /middle of the response head/],
    ['space before colon', ['HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello'], /invalid header field line/],
    ['no colon', ['HTTP/1.1 200 OK\r\nBroken\r\n\r\n'], /invalid header field line "Broken"/],
    ['fold first', ['HTTP/1.1 200 OK\r\n folded\r\n\r\n'], /starts with a continuation line/],
    ['bad Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n'], /invalid Content-Length '12abc'/],
    ['negative Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'], /invalid Content-Length '-1'/],
    ['empty Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n'], /invalid Content-Length ''/],
    ['conflicting Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'], /conflicting Content-Length values \(5, 6\)/],
    ['huge Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n'], /too large/],
    ['body shorter than Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'], /shorter than its Content-Length \(got 5 of 10 bytes\)/],
    ['chunked not last', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'], /invalid Transfer-Encoding 'chunked, gzip'/],
    ['bad chunk size', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'], /invalid chunk size line "zz"/],
    ['negative chunk size', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n'], /invalid chunk size line "-5"/],
    ['huge chunk size', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n'], /chunk size "ffffffffffffffff" is too large/],
    ['chunk longer than its size', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n'], /not followed by CRLF/],
    ['no last chunk', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n'], /middle of a chunked body/],
    ['NUL in a value', ['HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n'], /invalid characters in the value of X-A/],
  ];
  for (const [name, pieces, message] of cases) {
    it(`reports ${name}`, () => {
      const r = parse(pieces);
      assert.match(r.error ?? '(no error)', message);
      assert.equal(r.complete, false);
    });
  }

  it('keeps the events before the error (the head was real)', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nxyz\r\n']);
    assert.equal(r.heads.length, 1);
    assert.equal(r.body, 'abc');
    assert.match(r.error ?? '', /invalid chunk size line "xyz"/);
  });

  it('limits the size of the head', () => {
    const r = parse([`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`], { maxHeadBytes: 1024, open: true });
    assert.match(r.error ?? '', /response head is larger than 1 KiB/);
  });

  it('limits a head that never ends, before it is complete', () => {
    const parser = new HttpResponseParser({ requestMethod: 'GET', maxHeadBytes: 1024 });
    assert.deepEqual(parser.push(Buffer.from('HTTP/1.1 200 OK\r\n')), []);
    const events = parser.push(Buffer.from('X'.repeat(2000)));
    assert.equal(events.at(-1)?.type, 'error');
  });

  it('stops a server that sends interim responses forever', () => {
    const r = parse(['HTTP/1.1 100 Continue\r\n\r\n'.repeat(40)], { open: true });
    assert.match(r.error ?? '', /more than 32 interim \(1xx\) responses/);
    assert.equal(r.informational.length, 32);
  });

  it('ignores input after an error', () => {
    const parser = new HttpResponseParser({ requestMethod: 'GET' });
    assert.equal(parser.push(Buffer.from('nonsense\r\n')).at(-1)?.type, 'error');
    assert.deepEqual(parser.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), []);
    assert.deepEqual(parser.end(), []);
  });
});
