/**
 * Connection management on the wire (docs/protocol.md-3): pipelined requests answered in
 * order and exactly once, request bodies drained between them, persistence rules for
 * HTTP/1.1 and HTTP/1.0, the idle and header time-outs, HEAD/304 without bodies, and
 * half-closed clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, withPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, assertErrorPage, rawExchange, request } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };
const BIG = Buffer.alloc(1024 * 1024, 'abcdefghijklmnopqrstuvwxyz');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('pipelining and connections', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({ 'a.txt': 'AAAA\n', 'b.txt': 'BBBBBBBB\n', 'c.txt': 'CC\n', 'big.bin': BIG });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  test('three requests in one write are answered in order, each once', T, async () => {
    const bytes = request('GET', '/a.txt') + request('GET', '/b.txt') + request('GET', '/c.txt');
    const conn = await RawConnection.open(porta.port);
    try {
      conn.write(bytes);
      const responses = await conn.waitForResponses(3);
      assert.deepEqual(
        responses.map((r) => [r.status, r.text]),
        [
          [200, 'AAAA\n'],
          [200, 'BBBBBBBB\n'],
          [200, 'CC\n'],
        ],
      );
      // The connection persists, and the next answer is the fourth: nothing extra came before it.
      conn.write(request('GET', '/a.txt'));
      const all = await conn.waitForResponses(4);
      assert.deepEqual(all.map((r) => r.text), ['AAAA\n', 'BBBBBBBB\n', 'CC\n', 'AAAA\n'], 'no extra response');
    } finally {
      conn.destroy();
    }
  });

  test('bodies (Content-Length and chunked) between pipelined requests are read and discarded', T, async () => {
    const bytes =
      request('GET', '/a.txt') +
      request('POST', '/a.txt', ['Content-Length: 11', 'Content-Type: text/plain']) +
      'GET /c.txt ' + // body bytes that look like a request
      request('GET', '/b.txt') +
      request('POST', '/b.txt', ['Transfer-Encoding: chunked']) +
      '5;ext=1\r\nGET /\r\n6\r\nc.txt \r\n0\r\nX-Trailer: yes\r\n\r\n' +
      request('GET', '/missing.txt', ['Content-Length: 4']) +
      'ABCD' +
      request('BREW', '/a.txt', ['Content-Length: 3']) +
      'xyz' +
      request('GET', '/c.txt');
    const { responses } = await rawExchange(porta.port, bytes, { until: { responses: 7 } });
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 501, 200, 501, 404, 501, 200],
    );
    assert.equal(responses[0]!.text, 'AAAA\n');
    assert.equal(responses[2]!.text, 'BBBBBBBB\n');
    assert.equal(responses[6]!.text, 'CC\n');
  });

  test('pipelined requests arriving in small pieces are answered the same', T, async () => {
    const bytes = request('GET', '/a.txt') + request('POST', '/a.txt', ['Transfer-Encoding: chunked']) + '3\r\nabc\r\n0\r\n\r\n' + request('GET', '/c.txt');
    const conn = await RawConnection.open(porta.port);
    try {
      for (let i = 0; i < bytes.length; i += 9) {
        // Each piece goes once the previous one has left: its own segment.
        await conn.writeOut(bytes.slice(i, i + 9));
      }
      const responses = await conn.waitForResponses(3);
      assert.deepEqual(
        responses.map((r) => [r.status, r.status === 200 ? r.text : '']),
        [
          [200, 'AAAA\n'],
          [501, ''],
          [200, 'CC\n'],
        ],
      );
    } finally {
      conn.destroy();
    }
  });

  test('a large response followed by small ones keeps the order', T, async () => {
    const bytes = request('GET', '/big.bin') + request('GET', '/a.txt') + request('GET', '/big.bin', ['Range: bytes=-3']);
    const { responses } = await rawExchange(porta.port, bytes, { until: { responses: 3 }, timeoutMs: 5000 });
    assert.equal(responses[0]!.status, 200);
    assert.ok(responses[0]!.body.equals(BIG), 'big body intact');
    assert.equal(responses[1]!.text, 'AAAA\n');
    assert.equal(responses[2]!.status, 206);
    assert.ok(responses[2]!.body.equals(BIG.subarray(BIG.length - 3)));
  });

  test('after a request with Connection: close, later requests are not answered and the socket closes', T, async () => {
    const bytes = request('GET', '/a.txt') + request('GET', '/b.txt', ['Connection: close']) + request('GET', '/c.txt');
    const { responses } = await rawExchange(porta.port, bytes, { until: 'close' });
    assert.equal(responses.length, 2);
    assert.equal(responses[0]!.text, 'AAAA\n');
    assert.notEqual(responses[0]!.get('connection'), 'close');
    assert.equal(responses[1]!.text, 'BBBBBBBB\n');
    assert.equal(responses[1]!.get('connection'), 'close');
  });

  test('HTTP/1.0 closes by default', T, async () => {
    const { responses } = await rawExchange(porta.port, 'GET /a.txt HTTP/1.0\r\n\r\n' + 'GET /b.txt HTTP/1.0\r\n\r\n', { until: 'close' });
    assert.equal(responses.length, 1);
    assert.equal(responses[0]!.text, 'AAAA\n');
    assert.equal(responses[0]!.version, 'HTTP/1.1');
    assert.notEqual(responses[0]!.get('connection')?.toLowerCase(), 'keep-alive');
  });

  test('HTTP/1.0 with Connection: keep-alive stays open', T, async () => {
    const conn = await RawConnection.open(porta.port);
    try {
      conn.write('GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const [first] = await conn.waitForResponses(1);
      assert.equal(first!.text, 'AAAA\n');
      assert.equal(first!.get('connection')?.toLowerCase(), 'keep-alive');
      // The second answer arrives on the same connection, so it stayed open.
      conn.write('GET /b.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const both = await conn.waitForResponses(2);
      assert.equal(both[1]!.text, 'BBBBBBBB\n');
    } finally {
      conn.destroy();
    }
  });

  test('HTTP/1.0 clients never get chunked coding, even for generated pages', T, async () => {
    const { responses } = await rawExchange(porta.port, 'GET /missing HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n', { until: 'close' });
    assert.equal(responses.length, 2);
    for (const res of responses) {
      assert.equal(res.has('transfer-encoding'), false, res.head);
      assert.ok(res.framing === 'length' || res.framing === 'close');
    }
    assert.equal(responses[0]!.status, 404);
    assert.match(responses[0]!.text, /<html/);
    assert.equal(responses[1]!.status, 200);
    assert.match(responses[1]!.text, /a\.txt/);
  });

  test('HTTP/1.0 clients never get chunked coding: an error in the fields of an HTTP/1.0 head (400)', T, async () => {
    const { responses } = await rawExchange(porta.port, 'GET /a.txt HTTP/1.0\r\nX-Folded: a\r\n b\r\n\r\n', { until: 'close' });
    assert.equal(responses[0]!.status, 400);
    assert.equal(responses[0]!.has('transfer-encoding'), false, responses[0]!.head);
  });

  test('HTTP/1.0 clients never get chunked coding: 417 for an HTTP/1.0 request', T, async () => {
    const { responses } = await rawExchange(porta.port, 'GET /a.txt HTTP/1.0\r\nExpect: something\r\n\r\n', { until: 'close' });
    assert.equal(responses[0]!.status, 417);
    assert.equal(responses[0]!.has('transfer-encoding'), false, responses[0]!.head);
  });

  test('HEAD responses have no body, even pipelined before a GET', T, async () => {
    const bytes = request('HEAD', '/b.txt') + request('HEAD', '/missing') + request('HEAD', '/') + request('GET', '/a.txt');
    const { responses, data } = await rawExchange(porta.port, bytes, { until: { responses: 4 }, methods: ['HEAD', 'HEAD', 'HEAD', 'GET'] });
    assert.equal(responses[0]!.status, 200);
    assert.equal(responses[0]!.get('content-length'), '9', 'HEAD announces the GET length');
    assert.equal(responses[1]!.status, 404);
    assert.equal(responses[2]!.status, 200);
    assert.equal(responses[3]!.text, 'AAAA\n');
    // Nothing but four heads and one 5-byte body went over the wire.
    const heads = responses.slice(0, 3).reduce((n, r) => n + r.raw.length, 0);
    assert.equal(data.length, heads + responses[3]!.raw.length);
    for (const r of responses.slice(0, 3)) assert.equal(r.raw.length, Buffer.byteLength(r.head, 'latin1'));
  });

  test('304 has no body, even pipelined before a GET', T, async () => {
    const { responses: [probe] } = await rawExchange(porta.port, request('HEAD', '/a.txt'), { until: { responses: 1 }, methods: ['HEAD'] });
    const bytes = request('GET', '/a.txt', [`If-None-Match: ${probe!.get('etag')}`]) + request('GET', '/c.txt');
    const { responses, data } = await rawExchange(porta.port, bytes, { until: { responses: 2 } });
    assert.equal(responses[0]!.status, 304);
    assert.equal(responses[0]!.raw.length, Buffer.byteLength(responses[0]!.head, 'latin1'));
    assert.equal(responses[0]!.has('content-length') && responses[0]!.get('content-length') !== '0', false);
    assert.equal(responses[1]!.text, 'CC\n');
    assert.equal(data.length, responses[0]!.raw.length + responses[1]!.raw.length);
  });

  test('a half-closed client still gets the answer to its request', T, async () => {
    const { responses } = await rawExchange(porta.port, request('GET', '/a.txt'), { until: 'close', halfClose: true });
    assert.equal(responses.length, 1);
    assert.equal(responses[0]!.text, 'AAAA\n');
  });

  test('a half-closed client still gets the answers to all its pipelined requests', T, async () => {
    // The first answer is large, so the client's FIN surely arrives while it is being sent.
    const bytes = request('GET', '/big.bin') + request('GET', '/b.txt') + request('GET', '/c.txt');
    const { responses } = await rawExchange(porta.port, bytes, { until: 'close', halfClose: true, timeoutMs: 5000 });
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200],
    );
    assert.ok(responses[0]!.body.equals(BIG));
    assert.equal(responses[1]!.text, 'BBBBBBBB\n');
    assert.equal(responses[2]!.text, 'CC\n');
  });

  test('Expect: 100-continue on a request whose answer needs no body: no 100, the answer, and close', T, async () => {
    // Like Go's net/http: 100 Continue goes out only when a handler reads the body. The
    // client has not sent it, so the connection cannot be reused (RFC 9110 section 10.1.1).
    const { responses } = await rawExchange(porta.port, request('POST', '/a.txt', ['Content-Length: 5', 'Expect: 100-continue']), { until: 'close' });
    assert.deepEqual(responses.map((r) => r.status), [501]);
    assert.equal(responses[0]!.get('connection'), 'close');
  });

  test('a small unread body is drained: the next pipelined request is answered', T, async () => {
    const conn = await RawConnection.open(porta.port);
    try {
      conn.write(request('POST', '/a.txt', ['Content-Length: 5']) + 'hello' + request('POST', '/a.txt', ['Transfer-Encoding: chunked']) + '3\r\nabc\r\n0\r\n\r\n' + request('GET', '/c.txt'));
      const all = await conn.waitForResponses(3);
      assert.deepEqual(all.map((r) => r.status), [501, 501, 200]);
      assert.equal(all[2]!.text, 'CC\n');
    } finally {
      conn.destroy();
    }
  });

  test('an unread body too large to drain: the answer says Connection: close, and the connection closes', T, async () => {
    const { responses } = await rawExchange(porta.port, request('POST', '/a.txt', [`Content-Length: ${200 * 1024}`]) + 'x'.repeat(1000), { until: 'close' });
    assert.deepEqual(responses.map((r) => r.status), [501]);
    assert.equal(responses[0]!.get('connection'), 'close');
  });

  test('500 pipelined requests in one write: all answered, in order, each once', T, async () => {
    const names = ['/a.txt', '/b.txt', '/c.txt'];
    const texts = ['AAAA\n', 'BBBBBBBB\n', 'CC\n'];
    const bytes = Array.from({ length: 500 }, (_, i) => request('GET', `${names[i % 3]}?i=${i}`)).join('');
    const conn = await RawConnection.open(porta.port);
    try {
      conn.write(bytes);
      const responses = await conn.waitForResponses(500, { timeoutMs: 8000 });
      assert.equal(responses.length, 500);
      responses.forEach((r, i) => {
        assert.equal(r.status, 200, `response ${i}`);
        assert.equal(r.text, texts[i % 3], `response ${i}`);
      });
      // Still open, and the next answer is the 501st: nothing extra came before it.
      conn.write(request('GET', '/b.txt?probe'));
      const all = await conn.waitForResponses(501);
      assert.equal(all.length, 501);
      assert.equal(all[500]!.text, 'BBBBBBBB\n');
    } finally {
      conn.destroy();
    }
  });

  test('a malformed request after good ones: the good ones are answered first, then 400 and close', T, async () => {
    const bytes = request('GET', '/a.txt') + request('GET', '/b.txt') + 'GARBAGE\r\n\r\n' + request('GET', '/c.txt');
    const { responses } = await rawExchange(porta.port, bytes, { until: 'close' });
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 400],
    );
    assert.equal(responses[1]!.text, 'BBBBBBBB\n');
    assertErrorPage(responses[2]!, 400, { close: true });
  });

  test('Connection tokens are case-insensitive and may be a list', T, async () => {
    for (const value of ['CLOSE', 'Keep-Alive, close', 'close, x-other']) {
      // The exchange waits for the close (and fails without it): value.
      const { responses } = await rawExchange(porta.port, request('GET', '/a.txt', [`Connection: ${value}`]) + request('GET', '/b.txt'), { until: 'close' });
      assert.equal(responses.length, 1, value);
    }
  });

  test('Transfer-Encoding: Chunked (any case) is understood', T, async () => {
    const bytes = request('POST', '/a.txt', ['Transfer-Encoding: Chunked']) + '2\r\nhi\r\n0\r\n\r\n' + request('GET', '/c.txt');
    const { responses } = await rawExchange(porta.port, bytes, { until: { responses: 2 } });
    assert.deepEqual(
      responses.map((r) => r.status),
      [501, 200],
    );
  });

  test('Expect: 100-continue with a body over the limit: 413 and close, no 100', T, async () => {
    const { responses } = await rawExchange(porta.port, request('POST', '/a.txt', ['Content-Length: 3000000', 'Expect: 100-continue']), { until: 'close' });
    assert.deepEqual(
      responses.map((r) => r.status),
      [413],
    );
  });

  test('an HTTP/1.1 connection stays open after a response by default', T, async () => {
    const conn = await RawConnection.open(porta.port);
    try {
      conn.write(request('GET', '/a.txt'));
      await conn.waitForResponses(1);
      // Fixed wait: asserts that nothing happens (no close) for a while; no event stands for that.
      assert.ok(await conn.stillOpenAfter(200));
    } finally {
      conn.destroy();
    }
  });
});

describe('connection time-outs', () => {
  test('keep-alive idle timeout: 408 with Connection: close and a chunked HTML page, then close', T, async () => {
    const site = await makeTempSite({ 'a.txt': 'AAAA\n' });
    try {
      await withPorta({ root: site.root, limits: { keepAliveTimeoutMs: 300 } }, async (porta) => {
        const conn = await RawConnection.open(porta.port);
        try {
          conn.write(request('GET', '/a.txt'));
          await conn.waitForResponses(1);
          const answeredAt = Date.now();
          await conn.waitForClose(3000);
          const waited = Date.now() - answeredAt;
          const responses = conn.responses();
          assert.equal(responses.length, 2);
          assertErrorPage(responses[1]!, 408, { close: true });
          assert.equal(responses[1]!.get('transfer-encoding'), 'chunked');
          assert.ok(waited >= 250, `waited ${waited} ms, the idle timeout is 300 ms`);
          assert.ok(waited < 2500, `waited ${waited} ms`);
        } finally {
          conn.destroy();
        }
      });
    } finally {
      await site.cleanup();
    }
  });

  test('keep-alive idle timeout on an HTTP/1.0 keep-alive connection: the 408 is not chunked', T, async () => {
    const site = await makeTempSite({ 'a.txt': 'AAAA\n' });
    try {
      await withPorta({ root: site.root, limits: { keepAliveTimeoutMs: 300 } }, async (porta) => {
        const { responses } = await rawExchange(porta.port, 'GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', { until: 'close', timeoutMs: 3000 });
        assert.equal(responses.length, 2);
        assert.equal(responses[1]!.status, 408);
        assert.equal(responses[1]!.has('transfer-encoding'), false, responses[1]!.head);
      });
    } finally {
      await site.cleanup();
    }
  });

  test('keep-alive timeout restarts after each request', T, async () => {
    const site = await makeTempSite({ 'a.txt': 'AAAA\n' });
    try {
      await withPorta({ root: site.root, limits: { keepAliveTimeoutMs: 400 } }, async (porta) => {
        const conn = await RawConnection.open(porta.port);
        try {
          for (let i = 1; i <= 3; i++) {
            conn.write(request('GET', '/a.txt'));
            await conn.waitForResponses(i);
            // Fixed wait: the test paces its requests in time, 250 ms apart against a 400 ms idle timeout.
            await sleep(250);
          }
          assert.equal(conn.ended, false, 'three requests 250 ms apart never hit a 400 ms idle timeout');
          assert.equal(conn.responses().filter((r) => r.status === 408).length, 0);
        } finally {
          conn.destroy();
        }
      });
    } finally {
      await site.cleanup();
    }
  });

  test('header timeout: 408 and close for a head that never completes, even when bytes trickle in', T, async () => {
    const site = await makeTempSite({ 'a.txt': 'AAAA\n' });
    try {
      await withPorta({ root: site.root, limits: { headerTimeoutMs: 400, keepAliveTimeoutMs: 5000 } }, async (porta) => {
        const conn = await RawConnection.open(porta.port);
        try {
          const started = Date.now();
          conn.write('GET /a.txt HTTP/1.1\r\n');
          for (let i = 0; i < 20 && !conn.ended; i++) {
            conn.write(`X-Slow-${i}: 1\r\n`);
            // Fixed wait: the test is a slow client, trickling a field every 50 ms.
            await sleep(50);
          }
          await conn.waitForClose(3000);
          const elapsed = Date.now() - started;
          const responses = conn.responses();
          assert.equal(responses.length, 1);
          assertErrorPage(responses[0]!, 408, { close: true });
          assert.ok(elapsed >= 350 && elapsed < 2500, `408 after ${elapsed} ms, header timeout 400 ms`);
        } finally {
          conn.destroy();
        }
      });
    } finally {
      await site.cleanup();
    }
  });

  test('an unread body that stops arriving: the answer, then close after the header timeout', T, async () => {
    const site = await makeTempSite({ 'a.txt': 'AAAA\n' });
    try {
      await withPorta({ root: site.root, limits: { headerTimeoutMs: 300, keepAliveTimeoutMs: 5000 } }, async (porta) => {
        // The exchange waits for the close (and fails without it): closed while draining the rest of the body.
        const { responses } = await rawExchange(porta.port, request('POST', '/a.txt', ['Content-Length: 10']) + 'only5', { until: 'close', timeoutMs: 3000 });
        assert.deepEqual(responses.map((r) => r.status), [501]);
      });
    } finally {
      await site.cleanup();
    }
  });

  test('header timeout applies to the second request on a persistent connection', T, async () => {
    const site = await makeTempSite({ 'a.txt': 'AAAA\n' });
    try {
      await withPorta({ root: site.root, limits: { headerTimeoutMs: 300, keepAliveTimeoutMs: 5000 } }, async (porta) => {
        const conn = await RawConnection.open(porta.port);
        try {
          conn.write(request('GET', '/a.txt') + 'GET /a.txt HTTP/1.1\r\nHost: x\r\n');
          await conn.waitForClose(3000);
          const responses = conn.responses();
          assert.equal(responses.length, 2);
          assert.equal(responses[0]!.status, 200);
          assertErrorPage(responses[1]!, 408, { close: true });
        } finally {
          conn.destroy();
        }
      });
    } finally {
      await site.cleanup();
    }
  });
});
