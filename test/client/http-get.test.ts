import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ClientFailure } from '../../src/client/client-failure.js';
import { httpGet, type HttpGetOptions } from '../../src/client/http-get.js';
import type { ResponseHead } from '../../src/client/http-message.js';
import { parseHttpUrl } from '../../src/client/http-target.js';

interface RawServer {
  readonly port: number;
  /** Request heads received, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * A deliberately dumb HTTP server on raw sockets: it waits for the request head, records it
 * and lets `respond` write whatever bytes the test needs, well-formed or not.
 */
async function rawServer(respond: (request: string, socket: net.Socket) => void, host = '127.0.0.1'): Promise<RawServer> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      if (received.includes('\r\n\r\n')) return;
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = received.slice(0, end + 4);
      requests.push(head);
      respond(head, socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A Writable that keeps everything; `delayMs` makes it a slow consumer. */
class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  constructor(private readonly delayMs = 0) {
    super({ highWaterMark: 16 * 1024 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.delayMs === 0) {
      this.chunks.push(chunk);
      done();
      return;
    }
    // A slow consumer has a chunk only once it has finished taking it.
    setTimeout(() => {
      this.chunks.push(chunk);
      done();
    }, this.delayMs);
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
}

interface GetResult {
  head: ResponseHead;
  output: Collector;
  diagnostics: Collector;
}

async function get(url: string, options: Partial<HttpGetOptions> = {}): Promise<GetResult> {
  const output = (options.output as Collector | undefined) ?? new Collector();
  const diagnostics = new Collector();
  const head = await httpGet({
    target: parseHttpUrl(url),
    method: 'GET',
    fields: [],
    includeHead: false,
    verbose: false,
    followRedirects: false,
    timeoutMs: 5000,
    ...options,
    output,
    diagnostics,
  });
  return { head, output, diagnostics };
}

async function withServer(respond: (request: string, socket: net.Socket) => void, body: (server: RawServer) => Promise<void>): Promise<void> {
  const server = await rawServer(respond);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('httpGet: bodies', () => {
  it('reads a Content-Length body and sends the expected request', async () => {
    await withServer(
      (_request, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'),
      async (server) => {
        const { head, output } = await get(`http://127.0.0.1:${server.port}/greeting?lang=en`);
        assert.equal(head.status, 200);
        assert.equal(output.text, 'hello');
        const request = server.requests[0] as string;
        assert.match(request, /^GET \/greeting\?lang=en HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
        assert.match(request, /\r\nUser-Agent: porta\/\S+\r\nAccept: \*\/\*\r\nConnection: close\r\n\r\n$/);
      },
    );
  });

  it('decodes a chunked body, and with -i prints head and trailers', async () => {
    await withServer(
      (_request, socket) => {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n');
        setTimeout(() => socket.write('5;ext\r\npedia\r\n0\r\nX-Sum: 42\r\n\r\n'), 20);
      },
      async (server) => {
        const { output } = await get(`http://127.0.0.1:${server.port}/`, { includeHead: true });
        assert.equal(output.text, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nWikipediaX-Sum: 42\r\n');
      },
    );
  });

  it('reads a close-delimited body to the end', async () => {
    await withServer(
      (_request, socket) => {
        socket.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst ');
        setTimeout(() => socket.end('second'), 30);
      },
      async (server) => {
        assert.equal((await get(`http://127.0.0.1:${server.port}/`)).output.text, 'first second');
      },
    );
  });

  it('streams a large body to a slow consumer intact, and resolves only once the consumer has taken all of it', { timeout: 20_000 }, async () => {
    const body = randomBytes(4 * 1024 * 1024);
    await withServer(
      (_request, socket) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body])),
      async (server) => {
        const output = new Collector(1);
        await get(`http://127.0.0.1:${server.port}/`, { output });
        assert.equal(sha256(Buffer.concat(output.chunks)), sha256(body));
      },
    );
  });

  it('resolves for error statuses: any response that arrived is a success', async () => {
    await withServer(
      (_request, socket) => socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found'),
      async (server) => {
        const { head, output } = await get(`http://127.0.0.1:${server.port}/missing`);
        assert.equal(head.status, 404);
        assert.equal(output.text, 'not found');
      },
    );
  });

  it('sends HEAD and prints only the head', async () => {
    await withServer(
      (_request, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'),
      async (server) => {
        const { output } = await get(`http://127.0.0.1:${server.port}/`, { method: 'HEAD', includeHead: true });
        assert.equal(output.text, 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
        assert.match(server.requests[0] as string, /^HEAD \/ HTTP\/1\.1\r\n/);
      },
    );
  });

  it('passes over 100 Continue to the final response', async () => {
    await withServer(
      (_request, socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok'),
      async (server) => {
        const { head, output } = await get(`http://127.0.0.1:${server.port}/`, { method: 'PUT' });
        assert.equal(head.status, 201);
        assert.equal(output.text, 'ok');
        assert.match(server.requests[0] as string, /\r\nContent-Length: 0\r\n/);
      },
    );
  });

  it('shows the request and response heads with -v', async () => {
    await withServer(
      (_request, socket) => socket.write('HTTP/1.1 204 No Content\r\n\r\n'),
      async (server) => {
        const { diagnostics } = await get(`http://127.0.0.1:${server.port}/`, {
          verbose: true,
          fields: [{ name: 'X-Test', value: 'yes' }],
        });
        assert.match(diagnostics.text, /^\* Connected to 127\.0\.0\.1 \(127\.0\.0\.1\) port \d+\n> GET \/ HTTP\/1\.1\n> Host: /);
        assert.match(diagnostics.text, /\n> X-Test: yes\n> \n< HTTP\/1\.1 204 No Content\n< \n$/);
      },
    );
  });

  it('talks to an IPv6 literal host', async () => {
    const server = await rawServer((_request, socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nsix'), '::1');
    try {
      const { output } = await get(`http://[::1]:${server.port}/`);
      assert.equal(output.text, 'six');
      assert.match(server.requests[0] as string, /\r\nHost: \[::1\]:\d+\r\n/);
    } finally {
      await server.close();
    }
  });
});

describe('httpGet: redirects', () => {
  const redirector = (request: string, socket: net.Socket): void => {
    const path = request.split(' ')[1];
    const answers: Record<string, string> = {
      '/a/start': 'HTTP/1.1 302 Found\r\nLocation: next\r\nContent-Length: 13\r\n\r\nmoved to next',
      '/a/next': 'HTTP/1.1 301 Moved Permanently\r\nLocation: /final?x=1\r\n\r\nclose-delimited note that is never read',
      '/final?x=1': 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone',
      '/loop': 'HTTP/1.1 307 Temporary Redirect\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n',
      '/secure': 'HTTP/1.1 308 Permanent Redirect\r\nLocation: ftp://example.test/\r\nContent-Length: 0\r\n\r\n',
    };
    socket.write(answers[path ?? ''] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  };

  it('follows relative Locations with -L and prints only the final body', async () => {
    await withServer(redirector, async (server) => {
      const { head, output } = await get(`http://127.0.0.1:${server.port}/a/start`, { followRedirects: true });
      assert.equal(head.status, 200);
      assert.equal(output.text, 'done');
      assert.deepEqual(
        server.requests.map((r) => r.split('\r\n')[0]),
        ['GET /a/start HTTP/1.1', 'GET /a/next HTTP/1.1', 'GET /final?x=1 HTTP/1.1'],
      );
    });
  });

  it('prints every head in the chain with -i -L', async () => {
    await withServer(redirector, async (server) => {
      const { output } = await get(`http://127.0.0.1:${server.port}/a/start`, { followRedirects: true, includeHead: true });
      assert.match(output.text, /^HTTP\/1\.1 302 Found\r\n[\s\S]*\r\n\r\nHTTP\/1\.1 301 Moved Permanently\r\n[\s\S]*HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\ndone$/);
    });
  });

  it('shows the redirect itself without -L', async () => {
    await withServer(redirector, async (server) => {
      const { head, output } = await get(`http://127.0.0.1:${server.port}/a/start`);
      assert.equal(head.status, 302);
      assert.equal(output.text, 'moved to next');
    });
  });

  it('stops after 10 redirects', async () => {
    await withServer(redirector, async (server) => {
      await assert.rejects(get(`http://127.0.0.1:${server.port}/loop`, { followRedirects: true }), /too many redirects \(more than 10\)/);
      assert.equal(server.requests.length, 11);
    });
  });

  it('refuses to follow a redirect to a scheme other than http and https', async () => {
    await withServer(redirector, async (server) => {
      await assert.rejects(get(`http://127.0.0.1:${server.port}/secure`, { followRedirects: true }), /cannot follow the 308 redirect to ftp:\/\/example\.test\/: unsupported scheme 'ftp'/);
    });
  });
});

describe('httpGet: failures', () => {
  const malformed: Array<[string, string, RegExp]> = [
    ['a non-HTTP answer', 'SSH-2.0-OpenSSH_9.6\r\n', /malformed response from 127\.0\.0\.1 port \d+: not an HTTP response/],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnope\r\n', /invalid chunk size line "nope"/],
    ['a body shorter than Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this', /shorter than its Content-Length \(got 9 of 100 bytes\)/],
    ['a chunked body cut short', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', /middle of a chunked body/],
    ['a head cut short', 'HTTP/1.1 200 OK\r\nContent-', /middle of the response head/],
    ['conflicting lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', /conflicting Content-Length/],
  ];
  for (const [name, response, message] of malformed) {
    it(`fails with a clear message on ${name}`, async () => {
      await withServer(
        (_request, socket) => socket.end(response),
        async (server) => {
          const failure = await get(`http://127.0.0.1:${server.port}/`).then(
            () => assert.fail('expected a failure'),
            (error: unknown) => error,
          );
          assert.ok(failure instanceof ClientFailure, String(failure));
          assert.match(failure.message, message);
          assert.doesNotMatch(failure.message, /\n/);
        },
      );
    });
  }

  it('fails when the server closes without answering', async () => {
    await withServer(
      (_request, socket) => socket.end(),
      async (server) => {
        await assert.rejects(get(`http://127.0.0.1:${server.port}/`), /closed the connection without sending a response/);
      },
    );
  });

  it('times out on a server that never answers', async () => {
    await withServer(
      () => undefined,
      async (server) => {
        await assert.rejects(get(`http://127.0.0.1:${server.port}/`, { timeoutMs: 200 }), /timed out waiting for a response from 127\.0\.0\.1 port \d+ \(nothing for 0\.2 s\)/);
      },
    );
  });

  it('reports a refused connection', async () => {
    const server = await rawServer(() => undefined);
    const { port } = server;
    await server.close();
    await assert.rejects(get(`http://127.0.0.1:${port}/`), new RegExp(`^ClientFailure: connection refused by 127\\.0\\.0\\.1 port ${port}`));
  });
});
