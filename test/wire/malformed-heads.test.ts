/**
 * Request heads that are malformed, or just unusual, exactly as bytes on the wire
 * (docs/protocol.md): what is refused, with which status, and what is still accepted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, assertErrorPage, fetchOne, rawExchange, request } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };

describe('malformed request heads', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({ 'file.txt': 'hello world\n', 'dir/a.txt': 'a\n' });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  /** Sends `bytes`, expects exactly one error response with `status`, and the server closing. */
  async function expectRefusal(bytes: string, status: number): Promise<void> {
    // until 'close': the exchange fails unless the server closes the connection.
    const { responses } = await rawExchange(porta.port, bytes, { until: 'close' });
    assert.equal(responses.length, 1, `one response to ${JSON.stringify(bytes)}`);
    assertErrorPage(responses[0]!, status, { close: true });
  }

  const refusals: ReadonlyArray<readonly [string, string, number]> = [
    ['request line without a version', 'GET /file.txt\r\nHost: x\r\n\r\n', 400],
    ['request line with only a method', 'GET\r\nHost: x\r\n\r\n', 400],
    ['empty method', ' /file.txt HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['two spaces after the method', 'GET  /file.txt HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['two spaces before the version', 'GET /file.txt  HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a trailing space after the version', 'GET /file.txt HTTP/1.1 \r\nHost: x\r\n\r\n', 400],
    ['a tab as separator', 'GET\t/file.txt HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a request line that is one word', 'qwerty\r\n\r\n', 400],
    ['version qwerty', 'GET /file.txt qwerty\r\nHost: x\r\n\r\n', 400],
    ['version HTTP/1', 'GET /file.txt HTTP/1\r\nHost: x\r\n\r\n', 400],
    ['version in lower case', 'GET /file.txt http/1.1\r\nHost: x\r\n\r\n', 400],
    ['version HTTP/1.1x', 'GET /file.txt HTTP/1.1x\r\nHost: x\r\n\r\n', 400],
    ['version HTTP/1.11', 'GET /file.txt HTTP/1.11\r\nHost: x\r\n\r\n', 505],
    ['version HTTP/2.0', 'GET /file.txt HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    ['version HTTP/3.0', 'GET /file.txt HTTP/3.0\r\nHost: x\r\n\r\n', 505],
    ['a control byte in the target', 'GET /fi\x01le.txt HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a target that is not a path or URL', 'GET file.txt HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['the asterisk target with GET', 'GET * HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['HTTP/1.1 without Host', 'GET /file.txt HTTP/1.1\r\nAccept: */*\r\n\r\n', 400],
    ['two Host fields', 'GET /file.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['a Host value with a space', 'GET /file.txt HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
    ['a Host value with a slash', 'GET /file.txt HTTP/1.1\r\nHost: a/b\r\n\r\n', 400],
    ['whitespace before the colon', 'GET /file.txt HTTP/1.1\r\nHost : x\r\n\r\n', 400],
    ['whitespace before the colon of another field', 'GET /file.txt HTTP/1.1\r\nHost: x\r\nAccept : */*\r\n\r\n', 400],
    ['a field line without a colon', 'GET /file.txt HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n', 400],
    ['an empty field name', 'GET /file.txt HTTP/1.1\r\nHost: x\r\n: value\r\n\r\n', 400],
    ['obs-fold with a space', 'GET /file.txt HTTP/1.1\r\nHost: x\r\nX-Long: part one\r\n part two\r\n\r\n', 400],
    ['obs-fold with a tab', 'GET /file.txt HTTP/1.1\r\nHost: x\r\nX-Long: part one\r\n\tpart two\r\n\r\n', 400],
    ['a bare CR inside a field value', 'GET /file.txt HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400],
    ['a bare CR ending a field line', 'GET /file.txt HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n', 400],
    ['a bare CR in the request line', 'GET /file.txt\rHTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a control byte (0x01) in a field value', 'GET /file.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n', 400],
    ['a NUL in a field value', 'GET /file.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 400],
    ['a DEL in a field value', 'GET /file.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n', 400],
    ['two Content-Length fields that differ', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 400],
    ['a Content-Length list that differs', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!', 400],
    ['a negative Content-Length', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400],
    ['a Content-Length that is not a number', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nContent-Length: five\r\n\r\n', 400],
    ['two identical Content-Length fields (as llhttp and nginx)', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello', 400],
    ['a Content-Length list of identical values', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello', 400],
    ['chunked with a parameter (chunked;q=1)', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n', 400],
    ['chunked with an empty parameter (chunked;)', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked;\r\n\r\n0\r\n\r\n', 400],
    ['chunked with a spaced parameter (chunked ; x=y)', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked ; x=y\r\n\r\n0\r\n\r\n', 400],
    ['chunked followed by a comma (chunked,)', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n', 400],
    ['chunked followed by a space and a tab', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \t\r\n\r\n0\r\n\r\n', 400],
    ['chunked applied twice', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n', 400],
    ['Transfer-Encoding in an HTTP/1.0 request', 'POST /file.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['a transfer coding other than chunked before chunked', 'POST /file.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501],
    ['an absolute-form target with an empty host', 'GET http:///file.txt HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ];

  for (const [name, bytes, status] of refusals) {
    test(`${status} for ${name}`, T, () => expectRefusal(bytes, status));
  }

  test('400 and close for both Content-Length and Transfer-Encoding; the smuggled request is not answered', T, async () => {
    const smuggle =
      'POST /file.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '0\r\n\r\nGET /dir/a.txt HTTP/1.1\r\nHost: x\r\n\r\n';
    const { responses } = await rawExchange(porta.port, smuggle, { until: 'close' });
    assert.equal(responses.length, 1, 'only the 400');
    assertErrorPage(responses[0]!, 400, { close: true });
  });

  test('414 for a request line that grows past the limit before its end arrives', T, async () => {
    const conn = await RawConnection.open(porta.port);
    try {
      // The second part goes once the first has been handed to the kernel: separate segments.
      await conn.writeOut(`GET /${'a'.repeat(1500)}`);
      conn.write('b'.repeat(1500));
      await conn.waitForClose();
      const [res] = conn.responses();
      assertErrorPage(res!, 414, { close: true });
    } finally {
      conn.destroy();
    }
  });

  test('431 for a header section that grows past 16 KiB before its end arrives', T, async () => {
    const conn = await RawConnection.open(porta.port);
    try {
      // The second part goes once the first has been handed to the kernel: separate segments.
      await conn.writeOut(`GET /file.txt HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(9000)}\r\n`);
      conn.write(`X-B: ${'b'.repeat(9000)}\r\n`);
      await conn.waitForClose();
      const [res] = conn.responses();
      assertErrorPage(res!, 431, { close: true });
    } finally {
      conn.destroy();
    }
  });

  test('a target of exactly 2048 bytes is not too long', T, async () => {
    const target = `/${'a'.repeat(2047)}`;
    const res = await fetchOne(porta.port, request('GET', target));
    assert.equal(res.status, 404);
  });

  test('HTTP/1.0 without Host is fine', T, async () => {
    const { responses } = await rawExchange(porta.port, 'GET /file.txt HTTP/1.0\r\n\r\n', { until: 'close' });
    assert.equal(responses.length, 1);
    assert.equal(responses[0]!.status, 200);
    assert.equal(responses[0]!.text, 'hello world\n');
  });

  test('bare LF line ends are accepted, also mixed with CRLF', T, async () => {
    const res = await fetchOne(porta.port, 'GET /file.txt HTTP/1.1\nHost: x\nAccept: */*\n\n');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'hello world\n');
    const mixed = await fetchOne(porta.port, 'GET /dir/a.txt HTTP/1.1\r\nHost: x\nAccept: */*\r\n\n');
    assert.equal(mixed.status, 200);
    assert.equal(mixed.text, 'a\n');
  });

  test('empty lines before the request line are ignored', T, async () => {
    const res = await fetchOne(porta.port, '\r\n\r\nGET /file.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(res.status, 200);
  });

  test('field names are case-insensitive and values are trimmed', T, async () => {
    const res = await fetchOne(porta.port, 'GET /file.txt HTTP/1.1\r\nhOsT:    x   \r\nrAnGe:\t bytes=0-4 \t\r\n\r\n');
    assert.equal(res.status, 206);
    assert.equal(res.text, 'hello');
  });

  for (const [name, body] of [
    ['a chunk size that is not hexadecimal', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['chunk data longer than its size', '2\r\nhello\r\n0\r\n\r\n'],
    ['a chunk size followed by a space', '5 \r\nhello\r\n0\r\n\r\n'],
    ['bare LF line ends in the chunked body', '5\nhello\n0\n\n'],
  ] as const) {
    test(`${name}: the answer that did not need the body goes out, then the connection closes; the smuggled request is not answered`, T, async () => {
      const bytes = 'POST /file.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' + body + request('GET', '/dir/a.txt');
      // until 'close': it must close, as the framing of what followed cannot be trusted.
      const { responses } = await rawExchange(porta.port, bytes, { until: 'close' });
      assert.deepEqual(responses.map((r) => r.status), [501]);
    });
  }

  test('a fragment in the target is ignored: /file.txt#part serves /file.txt', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/file.txt#part'));
    assert.equal(res.status, 200);
    assert.equal(res.text, 'hello world\n');
  });

  test('absolute-form target: its path is served and its host wins over Host', T, async () => {
    const res = await fetchOne(porta.port, 'GET http://example.com:8080/file.txt HTTP/1.1\r\nHost: other.example\r\n\r\n');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'hello world\n');
  });

  test('absolute-form target with a query: the directory redirect keeps the query', T, async () => {
    const res = await fetchOne(porta.port, 'GET http://example.com/dir?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), '/dir/?x=1');
  });

  test('absolute-form target with no path means /', T, async () => {
    const res = await fetchOne(porta.port, 'GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n');
    // The root has no index.html: a listing.
    assert.equal(res.status, 200);
    assert.ok(res.text.includes('file.txt'));
  });
});
