import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runPorta } from '../helpers/spawn-porta.js';

/** Answers by path with canned bytes, well-formed or not. */
const ANSWERS: Record<string, string> = {
  '/ok': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n',
  '/missing': 'HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n',
  '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n',
  '/broken': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n',
  '/garbage': 'this is not http\r\n\r\n',
  '/moved': 'HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n',
};

describe('porta get (CLI)', () => {
  let server: net.Server;
  let base: string;
  before(async () => {
    server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      let head = '';
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const path = head.split(' ')[1] ?? '';
        socket.end(ANSWERS[path] ?? 'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('prints the body and exits 0', async () => {
    const result = await runPorta(['get', `${base}/ok`]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString(), 'hello\n');
    assert.equal(result.stderr, '');
  });

  it('exits 0 for a 404 too: a response arrived', async () => {
    const result = await runPorta(['get', '-i', `${base}/missing`]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString(), 'HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n');
  });

  it('decodes chunked bodies, shows the request with -v, follows -L', async () => {
    assert.equal((await runPorta(['get', `${base}/chunked`])).stdout.toString(), 'abcdef');
    const verbose = await runPorta(['get', '-vL', '-H', 'X-Trace: 1', `${base}/moved`]);
    assert.equal(verbose.code, 0);
    assert.equal(verbose.stdout.toString(), 'hello\n');
    assert.match(verbose.stderr, /^\* Connected to 127\.0\.0\.1 \(127\.0\.0\.1\) port \d+\n> GET \/moved HTTP\/1\.1\n/m);
    assert.match(verbose.stderr, /^> X-Trace: 1$/m);
    assert.match(verbose.stderr, /^> GET \/ok HTTP\/1\.1$/m);
  });

  it('exits 1 with one clear line for malformed responses', async () => {
    const broken = await runPorta(['get', `${base}/broken`]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^porta: malformed response from 127\.0\.0\.1 port \d+: invalid chunk size line "xyz"\n$/);
    const garbage = await runPorta(['get', `${base}/garbage`]);
    assert.equal(garbage.code, 1);
    assert.match(garbage.stderr, /^porta: malformed response .*not an HTTP response/);
  });

  it('exits 1 when the connection is refused', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runPorta(['get', `http://127.0.0.1:${port}/`]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `porta: connection refused by 127.0.0.1 port ${port} (nothing is listening there)\n`);
  });

  it('treats other schemes, bad URLs, bad -H and unknown flags as usage errors (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['get', 'ftp://example.test/'], /unsupported scheme 'ftp'/],
      [['get', 'http://bad host/'], /is not a valid URL/],
      [['get', '-H', 'nocolon', `${base}/ok`], /is not a header field/],
      [['get', '-X', 'BAD METHOD', `${base}/ok`], /not a valid method/],
      [['get', '-I', '-X', 'GET', `${base}/ok`], /cannot be combined/],
      [['get', '--frobnicate', `${base}/ok`], /unknown flag --frobnicate/],
      [['get'], /usage: porta get/],
    ];
    for (const [args, message] of cases) {
      const result = await runPorta(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
      assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
    }
  });
});
