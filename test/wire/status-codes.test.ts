/**
 * Every status porta produces today, each from a real request on a real socket, with the
 * fields docs/protocol.md-3 require of it.
 */
import assert from 'node:assert/strict';
import { unlink } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import {
  RawConnection,
  assertErrorPage,
  assertFramed,
  assertStandardFields,
  fetchOne,
  rawExchange,
  request,
} from '../helpers/raw-client.js';

const T = { timeout: 10_000 };

describe('status codes', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      'index.html': '<h1>home</h1>\n',
      'file.txt': 'hello world\n',
      'dir/a.txt': 'a\n',
      '../outside.txt': 'SECRET-OUTSIDE-7f3a\n',
      'escape.txt': { symlink: '../outside.txt' },
    });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  test('200 OK for a file: Date, Server, Content-Length, type, validators, Accept-Ranges', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/file.txt'));
    assertStandardFields(res, 200);
    assertFramed(res);
    assert.equal(res.statusLine, 'HTTP/1.1 200 OK');
    assert.equal(res.get('content-length'), '12');
    assert.equal(res.framing, 'length');
    assert.equal(res.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.get('accept-ranges'), 'bytes');
    assert.match(res.get('etag') ?? '', /^"[^" ]+"$/);
    assert.ok(res.has('last-modified'));
    assert.equal(res.text, 'hello world\n');
  });

  test('206 Partial Content for a satisfiable range', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/file.txt', ['Range: bytes=0-4']));
    assertStandardFields(res, 206);
    assert.equal(res.get('content-range'), 'bytes 0-4/12');
    assert.equal(res.get('content-length'), '5');
    assert.equal(res.text, 'hello');
  });

  test('301 Moved Permanently for a directory without its slash, with Location and an HTML page', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/dir'));
    assertErrorPage(res, 301, { close: false });
    assert.equal(res.get('location'), '/dir/');
    assert.ok(res.text.includes('/dir/'));
  });

  test('304 Not Modified: no body, no framing of a body, validators repeated', T, async () => {
    const first = await fetchOne(porta.port, request('GET', '/file.txt'));
    const etag = first.get('etag') ?? '';
    const conn = await RawConnection.open(porta.port);
    try {
      // A second request right behind proves the 304 carried no body bytes.
      conn.write(request('GET', '/file.txt', [`If-None-Match: ${etag}`]) + request('GET', '/dir/a.txt'));
      const [res, next] = await conn.waitForResponses(2);
      assert.ok(res && next);
      assertStandardFields(res, 304);
      assert.equal(res.body.length, 0);
      assert.equal(res.get('etag'), etag);
      assert.equal(res.get('last-modified'), first.get('last-modified'));
      assert.equal(res.has('transfer-encoding'), false);
      assert.equal(next.status, 200);
      assert.equal(next.text, 'a\n');
    } finally {
      conn.destroy();
    }
  });

  test('400 Bad Request (HTTP/1.1 without Host) closes the connection', T, async () => {
    const { responses } = await rawExchange(porta.port, 'GET /file.txt HTTP/1.1\r\n\r\n', { until: 'close' });
    assert.equal(responses.length, 1);
    assertErrorPage(responses[0]!, 400, { close: true });
  });

  test('403 Forbidden for a symbolic link leading outside the root', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/escape.txt'));
    assertErrorPage(res, 403, { close: false });
    assert.match(res.text, /symbolic link that leads outside the document root/, 'the page says why');
    assert.ok(!res.text.includes('SECRET-OUTSIDE-7f3a'), 'and shows nothing of the file');
  });

  test('404 Not Found keeps the connection open', T, async () => {
    const conn = await RawConnection.open(porta.port);
    try {
      conn.write(request('GET', '/no-such-file.txt'));
      const [res] = await conn.waitForResponses(1);
      assertErrorPage(res!, 404, { close: false });
      assert.equal(res!.get('transfer-encoding'), 'chunked', 'generated pages are chunked');
      conn.write(request('GET', '/file.txt'));
      const both = await conn.waitForResponses(2);
      assert.equal(both[1]!.status, 200);
    } finally {
      conn.destroy();
    }
  });

  test('405 Method Not Allowed for DELETE of a static file, with Allow', T, async () => {
    const res = await fetchOne(porta.port, request('DELETE', '/file.txt'));
    assertErrorPage(res, 405);
    assert.equal(res.get('allow'), 'GET, HEAD, OPTIONS, TRACE');
  });

  test('POST to static content without a length: 501, decided before any 411', T, async () => {
    const res = await fetchOne(porta.port, request('POST', '/file.txt'));
    assertErrorPage(res, 501);
  });

  test('PUT with neither Content-Length nor Transfer-Encoding where PUT is not allowed: 405, not 411', T, async () => {
    // 411 applies only where the body would be used (put-delete.test.ts has that case).
    const res = await fetchOne(porta.port, request('PUT', '/new.txt'));
    assertErrorPage(res, 405);
  });

  test('412 Precondition Failed for an If-Match that does not match', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/file.txt', ['If-Match: "nope"']));
    assertErrorPage(res, 412);
  });

  test('413 Content Too Large for a declared body over the limit, then close', T, async () => {
    const { responses } = await rawExchange(porta.port, request('POST', '/file.txt', ['Content-Length: 2097153']), { until: 'close' });
    assert.equal(responses.length, 1);
    assertErrorPage(responses[0]!, 413, { close: true });
  });

  test('a large chunked body no one reads: the answer, then close (never drained without bound)', T, async () => {
    const chunk = 'x'.repeat(0x100000);
    const bytes = request('POST', '/file.txt', ['Transfer-Encoding: chunked']) + `100000\r\n${chunk}\r\n100000\r\n${chunk}\r\n1\r\nx\r\n0\r\n\r\n` + request('GET', '/file.txt');
    const { responses } = await rawExchange(porta.port, bytes, { until: 'close' });
    assert.deepEqual(responses.map((r) => r.status), [501]);
  });

  test('413 reaches a client that sends its whole oversized body at once', T, async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 0x78);
    const { responses } = await rawExchange(porta.port, [request('POST', '/file.txt', [`Content-Length: ${body.length}`]), body], { until: 'close', timeoutMs: 5000 });
    assert.equal(responses.length, 1);
    assertErrorPage(responses[0]!, 413, { close: true });
  });

  test('414 URI Too Long for a target over 2 KiB, then close', T, async () => {
    const { responses } = await rawExchange(porta.port, request('GET', `/${'a'.repeat(2100)}`), { until: 'close' });
    assert.equal(responses.length, 1);
    assertErrorPage(responses[0]!, 414, { close: true });
  });

  test('416 Range Not Satisfiable with Content-Range: bytes */size', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/file.txt', ['Range: bytes=100-200']));
    assertErrorPage(res, 416);
    assert.equal(res.get('content-range'), 'bytes */12');
  });

  test('417 Expectation Failed for an unknown expectation', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/file.txt', ['Expect: the-unexpected']));
    assertErrorPage(res, 417);
  });

  test('431 for a header section over 16 KiB, then close', T, async () => {
    const { responses } = await rawExchange(porta.port, request('GET', '/file.txt', [`X-Big: ${'b'.repeat(17 * 1024)}`]), { until: 'close' });
    assert.equal(responses.length, 1);
    assertErrorPage(responses[0]!, 431, { close: true });
  });

  test('431 for more than 100 header fields (100 are fine)', T, async () => {
    const fields = (n: number): string[] => Array.from({ length: n }, (_, i) => `X-F${i}: ${i}`);
    // Host + 99 = 100 fields: accepted.
    const ok = await fetchOne(porta.port, request('GET', '/file.txt', fields(99)));
    assert.equal(ok.status, 200);
    // Host + 100 = 101 fields: refused.
    const { responses } = await rawExchange(porta.port, request('GET', '/file.txt', fields(100)), { until: 'close' });
    assertErrorPage(responses[0]!, 431, { close: true });
  });

  test('501 Not Implemented for an unknown method', T, async () => {
    const res = await fetchOne(porta.port, request('BREW', '/file.txt'));
    assertErrorPage(res, 501);
  });

  test('501 Not Implemented for an unknown transfer coding, then close', T, async () => {
    const { responses } = await rawExchange(porta.port, request('POST', '/file.txt', ['Transfer-Encoding: gzip']) + 'garbage', { until: 'close' });
    assert.equal(responses.length, 1);
    assertErrorPage(responses[0]!, 501, { close: true });
  });

  test('501 Not Implemented for POST to a static file', T, async () => {
    const res = await fetchOne(porta.port, request('POST', '/file.txt', ['Content-Length: 3', 'Content-Type: text/plain']) + 'a=b');
    assertErrorPage(res, 501);
  });

  test('501 Not Implemented for CONNECT (porta is not a proxy)', T, async () => {
    const res = await fetchOne(porta.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    assertErrorPage(res, 501);
  });

  test('505 HTTP Version Not Supported for HTTP/2.0', T, async () => {
    const { responses } = await rawExchange(porta.port, 'GET /file.txt HTTP/2.0\r\nHost: x\r\n\r\n', { until: 'close' });
    assert.equal(responses.length, 1);
    assertErrorPage(responses[0]!, 505);
  });
});

describe('statuses that need their own server', () => {
  test('405 for TRACE when TRACE is switched off, Allow without TRACE', T, async () => {
    const site = await makeTempSite({ 'file.txt': 'x' });
    const porta = await startPorta({ root: site.root, trace: false });
    try {
      const res = await fetchOne(porta.port, request('TRACE', '/file.txt'));
      assertErrorPage(res, 405);
      assert.equal(res.get('allow'), 'GET, HEAD, OPTIONS');
    } finally {
      await porta.close();
      await site.cleanup();
    }
  });

  test('408 Request Timeout for a head that never completes, then close', T, async () => {
    const site = await makeTempSite({ 'file.txt': 'x' });
    const porta = await startPorta({ root: site.root, limits: { headerTimeoutMs: 300 } });
    try {
      const started = Date.now();
      const { responses } = await rawExchange(porta.port, 'GET /file.txt HTTP/1.1\r\nHost: x\r\n', { until: 'close', timeoutMs: 3000 });
      assert.equal(responses.length, 1);
      assertErrorPage(responses[0]!, 408, { close: true });
      assert.ok(Date.now() - started >= 250, 'not before the header timeout');
    } finally {
      await porta.close();
      await site.cleanup();
    }
  });

  test('500 Internal Server Error when the exposed access-log file has vanished', T, async () => {
    const site = await makeTempSite({ 'file.txt': 'x' });
    const logFile = `${site.base}/access.log`;
    const porta = await startPorta({ root: site.root, exposeAccessLog: true, accessLogFile: logFile });
    try {
      assert.equal((await fetchOne(porta.port, request('GET', '/file.txt'))).status, 200);
      await unlink(logFile);
      const res = await fetchOne(porta.port, request('GET', '/.well-known/access.log'));
      assertErrorPage(res, 500);
      assert.equal(porta.internalErrors.length, 1, 'the failure is reported to the server log');
      assert.ok(!res.text.includes('ENOENT'), 'no internal detail leaks to the client');
    } finally {
      await porta.close();
      await site.cleanup();
    }
  });
});
