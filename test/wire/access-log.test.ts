/**
 * The access log (docs/serve.md, the access log) as real requests produce it: Common and Combined Log
 * Format lines, one per response, and the optional /.well-known/access.log resource.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, withPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, connectWithTimeout, fetchOne, rawExchange, request } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };
const TIME = String.raw`\[\d{2}/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A Common Log Format line for 127.0.0.1. */
function commonLine(requestLine: string, status: number, bytes: number): RegExp {
  return new RegExp(`^127\\.0\\.0\\.1 - - ${TIME} "${escapeRegExp(requestLine)}" ${status} ${bytes}$`);
}

describe('access log', () => {
  let site: TempSite;

  before(async () => {
    site = await makeTempSite({ 'file.txt': 'hello\n', 'dir/a.txt': 'a\n' });
  });

  after(async () => {
    await site.cleanup();
  });

  describe('common format', () => {
    let porta: PortaServer;

    before(async () => {
      porta = await startPorta({ root: site.root });
    });

    after(async () => {
      await porta.close();
    });

    test('one line per response: dotted-quad host, request line, status, body bytes', T, async () => {
      const start = porta.logLines.length;
      const res = await fetchOne(porta.port, request('GET', '/file.txt?q=1'));
      assert.equal(res.status, 200);
      const lines = (await porta.waitForLog(start + 1)).slice(start);
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, commonLine('GET /file.txt?q=1 HTTP/1.1', 200, 6));
    });

    test('pipelined requests: one line each, in order, with the bytes of each body', T, async () => {
      const start = porta.logLines.length;
      const bytes = request('GET', '/file.txt') + request('HEAD', '/file.txt') + request('GET', '/missing') + request('GET', '/dir') + request('GET', '/dir/a.txt', ['Range: bytes=0-0']);
      const { responses } = await rawExchange(porta.port, bytes, { until: { responses: 5 }, methods: ['GET', 'HEAD', 'GET', 'GET', 'GET'] });
      const lines = (await porta.waitForLog(start + 5)).slice(start);
      assert.equal(lines.length, 5);
      assert.match(lines[0]!, commonLine('GET /file.txt HTTP/1.1', 200, 6));
      assert.match(lines[1]!, commonLine('HEAD /file.txt HTTP/1.1', 200, 0));
      assert.match(lines[2]!, commonLine('GET /missing HTTP/1.1', 404, responses[2]!.body.length));
      assert.match(lines[3]!, commonLine('GET /dir HTTP/1.1', 301, responses[3]!.body.length));
      assert.match(lines[4]!, commonLine('GET /dir/a.txt HTTP/1.1', 206, 1));
    });

    test('a 304 is logged with 0 bytes', T, async () => {
      const etag = (await fetchOne(porta.port, request('HEAD', '/file.txt'))).get('etag') ?? '';
      const start = porta.logLines.length;
      assert.equal((await fetchOne(porta.port, request('GET', '/file.txt', [`If-None-Match: ${etag}`]))).status, 304);
      const [line] = (await porta.waitForLog(start + 1)).slice(start);
      assert.match(line!, commonLine('GET /file.txt HTTP/1.1', 304, 0));
    });

    test('a malformed request (400) is logged with what was received', T, async () => {
      const start = porta.logLines.length;
      const { responses } = await rawExchange(porta.port, 'qwerty\r\n\r\n', { until: 'close' });
      assert.equal(responses[0]!.status, 400);
      const [line] = (await porta.waitForLog(start + 1)).slice(start);
      assert.match(line!, commonLine('qwerty', 400, responses[0]!.body.length));
    });

    test('a 505 and a 414 are logged too', T, async () => {
      const start = porta.logLines.length;
      await rawExchange(porta.port, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', { until: 'close' });
      await rawExchange(porta.port, request('GET', `/${'x'.repeat(3000)}`), { until: 'close' });
      const lines = (await porta.waitForLog(start + 2)).slice(start);
      assert.match(lines[0]!, / "GET \/ HTTP\/2\.0" 505 \d+$/);
      assert.match(lines[1]!, / "GET \/x+.*" 414 \d+$/);
    });

    test('control characters and quotes in the request line are escaped, one line stays one line', T, async () => {
      const start = porta.logLines.length;
      await rawExchange(porta.port, 'GET /a"b\x1b[31m HTTP/1.1\r\nHost: x\r\n\r\n', { until: 'close' });
      const [line] = (await porta.waitForLog(start + 1)).slice(start);
      assert.ok(!line!.includes('\x1b'), JSON.stringify(line));
      assert.ok(line!.includes('\\x1b'), JSON.stringify(line));
      assert.match(line!, /"GET \/a\\"b\\x1b\[31m HTTP\/1\.1" 400 \d+$/);
    });

    test('the log is not served unless exposed: /.well-known/access.log is 404', T, async () => {
      const res = await fetchOne(porta.port, request('GET', '/.well-known/access.log'));
      assert.equal(res.status, 404);
    });
  });

  describe('time-outs', () => {
    test('the 408 of an idle keep-alive connection is logged too', T, async () => {
      await withPorta({ root: site.root, limits: { keepAliveTimeoutMs: 300 } }, async (porta) => {
        const { responses } = await rawExchange(porta.port, request('GET', '/file.txt'), { until: 'close', timeoutMs: 3000 });
        assert.deepEqual(
          responses.map((r) => r.status),
          [200, 408],
        );
        const lines = await porta.waitForLog(2);
        assert.match(lines[0]!, commonLine('GET /file.txt HTTP/1.1', 200, 6));
        assert.match(lines[1]!, new RegExp(`^127\\.0\\.0\\.1 - - ${TIME} ".*" 408 ${responses[1]!.body.length}$`));
      });
    });
  });

  describe('combined format', () => {
    test('adds the quoted Referer and User-Agent, "-" when absent', T, async () => {
      await withPorta({ root: site.root, logFormat: 'combined' }, async (porta) => {
        await fetchOne(porta.port, request('GET', '/file.txt', ['Referer: http://ref.example/page?a=1', 'User-Agent: raw-test/1.0 (wire "tests")']));
        await fetchOne(porta.port, request('GET', '/dir/a.txt'));
        const lines = await porta.waitForLog(2);
        assert.match(lines[0]!, new RegExp(`^127\\.0\\.0\\.1 - - ${TIME} "GET /file\\.txt HTTP/1\\.1" 200 6 "http://ref\\.example/page\\?a=1" "raw-test/1\\.0 \\(wire \\\\"tests\\\\"\\)"$`));
        assert.match(lines[1]!, new RegExp(`^127\\.0\\.0\\.1 - - ${TIME} "GET /dir/a\\.txt HTTP/1\\.1" 200 2 "-" "-"$`));
      });
    });
  });

  describe('exposed at /.well-known/access.log', () => {
    test('served as text/plain with the lines so far, in the configured format', T, async () => {
      await withPorta({ root: site.root, exposeAccessLog: true, logFormat: 'combined' }, async (porta) => {
        await fetchOne(porta.port, request('GET', '/file.txt', ['User-Agent: first-client']));
        await porta.waitForLog(1);
        const res = await fetchOne(porta.port, request('GET', '/.well-known/access.log'));
        assert.equal(res.status, 200);
        assert.match(res.get('content-type') ?? '', /^text\/plain/);
        const text = res.text;
        assert.match(text, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/file\.txt HTTP\/1\.1" 200 6 "-" "first-client"\n$/);
        const head = await fetchOne(porta.port, request('HEAD', '/.well-known/access.log'));
        assert.equal(head.status, 200);
        assert.equal(head.body.length, 0);
      });
    });

    test('served from the --access-log file, which holds exactly the logged lines', T, async () => {
      const logFile = `${site.base}/exposed.log`;
      const porta = await startPorta({ root: site.root, exposeAccessLog: true, accessLogFile: logFile });
      try {
        const conn = await RawConnection.open(porta.port);
        try {
          conn.write(request('GET', '/file.txt') + request('GET', '/nothing-here'));
          await conn.waitForResponses(2);
        } finally {
          conn.destroy();
        }
        await porta.waitForLog(2);
        const res = await fetchOne(porta.port, request('GET', '/.well-known/access.log'));
        assert.equal(res.status, 200);
        assert.equal(res.text, porta.logLines.slice(0, 2).map((l) => `${l}\n`).join(''));
      } finally {
        await porta.close();
      }
      const onDisk = await readFile(logFile, 'utf8');
      assert.equal(onDisk, porta.logLines.map((l) => `${l}\n`).join(''), 'every line is on disk after close');
    });
  });
});

describe('access log: cut-short responses and shutdown', () => {
  const BIG = Buffer.alloc(12 * 1024 * 1024, 0x61);

  test('a download the client abandons is logged with the bytes that went out', { timeout: 20_000 }, async () => {
    const site = await makeTempSite({ 'big.bin': BIG });
    try {
      await withPorta({ root: site.root }, async (porta) => {
        const socket = await connectWithTimeout(porta.port, 3000);
        let received = 0;
        await new Promise<void>((resolve) => {
          socket.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > 1024 * 1024) {
              socket.destroy();
              resolve();
            }
          });
          socket.write(request('GET', '/big.bin'));
        });
        const [line] = await porta.waitForLog(1, 5000);
        const bytes = Number(/ 200 (\d+)$/.exec(line!)?.[1]);
        assert.ok(bytes > 0 && bytes < BIG.length, `logged ${bytes} bytes of ${BIG.length}: ${line}`);
      });
    } finally {
      await site.cleanup();
    }
  });

  test('a response cut off by a graceful stop still has its line in the log file', { timeout: 20_000 }, async () => {
    const site = await makeTempSite({ 'big.bin': BIG });
    const logFile = join(site.base, 'access.log');
    try {
      const porta = await startPorta({ root: site.root, accessLogFile: logFile });
      const socket = await connectWithTimeout(porta.port, 3000);
      socket.pause();
      // The response has started (its first bytes are here); the client then reads no more.
      const started = new Promise<void>((resolve) => socket.once('readable', () => resolve()));
      socket.write(request('GET', '/big.bin'));
      await started;
      await porta.close();
      socket.destroy();
      const text = await readFile(logFile, 'utf8');
      assert.match(text, /"GET \/big\.bin HTTP\/1\.1" 200 \d+\n$/);
    } finally {
      await site.cleanup();
    }
  });
});
