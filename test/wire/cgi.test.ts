/**
 * CGI/1.1 on the wire (docs/serve.md, CGI programs, RFC 3875): small programs written for these tests
 * (sh and perl) in a temporary site, run by a real porta over a real socket.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { makeTempSite, startPorta, withPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, assertErrorPage, assertStandardFields, fetchOne, rawExchange, request } from '../helpers/raw-client.js';
import { startPorta as spawnPorta } from '../helpers/spawn-porta.js';

const T = { timeout: 15_000 };

/** Programs of the test site; each is made executable (0755). */
const PROGRAMS: Record<string, string> = {
  // Every variable of its environment, sorted, then its working directory.
  'bin/env.cgi': `#!/usr/bin/perl
use Cwd;
print "Content-Type: text/plain\\n\\n";
print "$_=$ENV{$_}\\n" for sort keys %ENV;
print "cwd=", getcwd(), "\\n";
`,
  // Standard input back, byte for byte, framed by its own Content-Length.
  'bin/echo.cgi': `#!/usr/bin/perl
binmode STDIN; binmode STDOUT;
local $/; my $in = <STDIN>; $in = '' unless defined $in;
print "Content-Type: application/octet-stream\\r\\nContent-Length: ", length($in), "\\r\\nX-Method: $ENV{REQUEST_METHOD}\\r\\n\\r\\n", $in;
`,
  // Standard input back, streamed as it is read (no length: chunked).
  'bin/cat.cgi': `#!/bin/sh
printf 'Content-Type: application/octet-stream\\n\\n'
exec cat
`,
  'bin/status.cgi': `#!/bin/sh
printf 'Status: 678 Some reason\\nContent-Type: text/plain\\nX-Custom: kept\\n\\nstatus body\\n'
`,
  'bin/redirect.cgi': `#!/bin/sh
printf 'Location: http://example.com/elsewhere?x=1\\n\\n'
`,
  'bin/malformed.cgi': `#!/bin/sh
printf 'This is not a header line\\nRAW-SECRET-OUTPUT\\n\\nmore raw output\\n'
`,
  'bin/no-type.cgi': `#!/bin/sh
printf 'X-Only: something\\n\\nRAW-SECRET-OUTPUT\\n'
`,
  'bin/dies.cgi': `#!/bin/sh
printf 'Content-Type: text/pl'
exit 3
`,
  'bin/stderr.cgi': `#!/bin/sh
echo "something went wrong here" >&2
printf 'Content-Type: text/plain\\n\\nfine\\n'
`,
  // Sleeps in a child of its own, writing that child's pid first: the whole group must die.
  'bin/slow.cgi': `#!/bin/sh
sleep 60 &
echo $! > slow.pid
wait
`,
  // Writes without end, counting what it got out in flood.count.
  'bin/flood.cgi': `#!/usr/bin/perl
$| = 1;
open(my $pidf, '>', 'flood.pid'); print $pidf $$; close $pidf;
print "Content-Type: text/plain\\n\\n";
my $chunk = 'x' x 65536; my $n = 0;
while (1) {
  print $chunk; $n++;
  open(my $c, '>', 'flood.count.tmp'); print $c $n; close $c; rename('flood.count.tmp', 'flood.count');
}
`,
  // Notes that it ran (in its working directory), for HEAD.
  'bin/marks.cgi': `#!/bin/sh
echo "$REQUEST_METHOD" > ran.txt
printf 'Content-Type: text/plain\\n\\nbody that HEAD must not show\\n'
`,
};

async function makeCgiSite(): Promise<TempSite> {
  const site = await makeTempSite({
    ...PROGRAMS,
    'file.txt': 'static file\n',
    'plain.cgi': '#!/bin/sh\necho not run\n',
  });
  for (const name of Object.keys(PROGRAMS)) await chmod(site.path(name), 0o755);
  return site;
}

/** Whether a process is still running (not gone, not a zombie waiting to be reaped). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function readPid(site: TempSite, name: string): Promise<number> {
  let text = '';
  await eventually(async () => {
    text = await readFile(site.path(name), 'utf8').catch(() => '');
    return /^\d+\s*$/.test(text);
  }, `${name} to be written`);
  return Number(text.trim());
}

function envOf(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}

describe('CGI programs', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeCgiSite();
    porta = await startPorta({ root: site.root, cgiTimeoutMs: 20_000 });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  test('the environment is exactly the meta-variables of section 9, plus PATH', T, async () => {
    const res = await fetchOne(
      porta.port,
      request('GET', '/bin/env.cgi/extra/p%20ath?a=1&b=%20x', ['User-Agent: tester/1.0', 'Referer: http://ref.example/', 'X-Two-Words: v', 'Proxy: http://evil.example/', 'Authorization: Basic Zm9vOmJhcg==']),
    );
    assertStandardFields(res, 200);
    assert.equal(res.get('content-type'), 'text/plain');
    assert.equal(res.get('transfer-encoding'), 'chunked', 'no length from the program: chunked');
    assert.equal(res.get('etag'), undefined, 'no ETag on CGI responses');
    assert.equal(res.get('last-modified'), undefined);
    const env = envOf(res.text);
    const expected: Record<string, string> = {
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(porta.port),
      SERVER_ADDR: '127.0.0.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: 'GET',
      REQUEST_URI: '/bin/env.cgi/extra/p%20ath?a=1&b=%20x',
      SCRIPT_NAME: '/bin/env.cgi',
      SCRIPT_URI: 'http://127.0.0.1/bin/env.cgi',
      SCRIPT_FILENAME: site.path('bin/env.cgi'),
      PATH_INFO: '/extra/p ath',
      QUERY_STRING: 'a=1&b=%20x',
      REMOTE_ADDR: '127.0.0.1',
      HTTP_HOST: '127.0.0.1',
      HTTP_USER_AGENT: 'tester/1.0',
      HTTP_REFERER: 'http://ref.example/',
      HTTP_X_TWO_WORDS: 'v',
      cwd: site.path('bin'),
    };
    for (const [name, value] of Object.entries(expected)) assert.equal(env.get(name), value, name);
    assert.match(env.get('SERVER_SOFTWARE') ?? '', /^porta\/\d+\.\d+\.\d+/);
    assert.match(env.get('REMOTE_PORT') ?? '', /^\d+$/);
    assert.equal(env.get('PATH'), process.env.PATH);
    const names = [...env.keys()].filter((name) => name !== 'cwd').sort();
    assert.deepEqual(names, [...Object.keys(expected).filter((n) => n !== 'cwd'), 'SERVER_SOFTWARE', 'REMOTE_PORT', 'PATH'].sort(), 'nothing else: no HTTP_PROXY, no credentials, nothing of porta');
  });

  test('a query string without a path: QUERY_STRING as sent, PATH_INFO empty', T, async () => {
    const env = envOf((await fetchOne(porta.port, request('GET', '/bin/env.cgi?q=%C3%A9t%C3%A9+x&&k'))).text);
    assert.equal(env.get('QUERY_STRING'), 'q=%C3%A9t%C3%A9+x&&k');
    assert.equal(env.get('PATH_INFO'), '');
    const none = envOf((await fetchOne(porta.port, request('GET', '/bin/env.cgi'))).text);
    assert.equal(none.get('QUERY_STRING'), '');
    assert.equal(none.has('CONTENT_LENGTH'), false, 'no body, no CONTENT_LENGTH');
    assert.equal(none.has('CONTENT_TYPE'), false);
  });

  test('POST: CONTENT_LENGTH and CONTENT_TYPE set; an urlencoded body echoed byte for byte', T, async () => {
    const form = 'name=J%C3%BCrgen+M&note=a%26b%3Dc&empty=';
    const res = await fetchOne(porta.port, request('POST', '/bin/echo.cgi', [`Content-Length: ${form.length}`, 'Content-Type: application/x-www-form-urlencoded']) + form);
    assertStandardFields(res, 200);
    assert.equal(res.get('content-length'), String(form.length), "the program's own length frames the body");
    assert.equal(res.get('transfer-encoding'), undefined);
    assert.equal(res.get('x-method'), 'POST');
    assert.equal(res.body.toString('latin1'), form);
    const env = envOf(
      (await fetchOne(porta.port, request('POST', '/bin/env.cgi', [`Content-Length: ${form.length}`, 'Content-Type: application/x-www-form-urlencoded']) + form)).text,
    );
    assert.equal(env.get('CONTENT_LENGTH'), String(form.length));
    assert.equal(env.get('CONTENT_TYPE'), 'application/x-www-form-urlencoded');
    assert.equal(env.get('REQUEST_METHOD'), 'POST');
  });

  test('a multipart body with binary content is echoed byte for byte', T, async () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const body = Buffer.concat([
      Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="b.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'),
      binary,
      Buffer.from('\r\n--XyZ--\r\n'),
    ]);
    const head = request('POST', '/bin/echo.cgi', [`Content-Length: ${body.length}`, 'Content-Type: multipart/form-data; boundary=XyZ']);
    const res = await fetchOne(porta.port, Buffer.concat([Buffer.from(head, 'latin1'), body]));
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(body), 'the same bytes came back');
  });

  test('a 1 MB POST body streamed through a program (chunked in, chunked out) arrives intact', T, async () => {
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >> 10)) & 0xff;
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < body.length; offset += 100_000) {
      const piece = body.subarray(offset, offset + 100_000);
      chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n'));
    }
    const conn = await RawConnection.open(porta.port, 10_000);
    let res;
    try {
      conn.write(request('POST', '/bin/cat.cgi', ['Transfer-Encoding: chunked', 'Expect: 100-continue']));
      const [interim] = await conn.waitForResponses(1);
      assert.equal(interim!.status, 100, '100 Continue once the program reads');
      for (const piece of chunks) conn.write(piece);
      conn.write('0\r\n\r\n');
      res = (await conn.waitForResponses(2, { timeoutMs: 10_000 }))[1]!;
    } finally {
      conn.destroy();
    }
    assert.equal(res.status, 200);
    assert.notEqual(res.get('connection'), 'close', 'the connection stays usable');
    assert.equal(res.framing, 'chunked');
    assert.equal(res.body.length, body.length);
    assert.ok(res.body.equals(body), 'every byte as sent');
    // With a Content-Length too, through the program that frames its own answer.
    const fixed = await fetchOne(porta.port, Buffer.concat([Buffer.from(request('POST', '/bin/echo.cgi', [`Content-Length: ${body.length}`]), 'latin1'), body]), { timeoutMs: 10_000 });
    assert.equal(fixed.get('content-length'), String(body.length));
    assert.ok(fixed.body.equals(body));
  });

  test('Status: 678 Some reason sets the status line; other fields pass through', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/bin/status.cgi'));
    assert.equal(res.statusLine, 'HTTP/1.1 678 Some reason');
    assert.equal(res.get('x-custom'), 'kept');
    assert.equal(res.get('status'), undefined, 'Status is not a response field');
    assert.equal(res.text, 'status body\n');
  });

  test('Location alone: 302 with the Location and a generated HTML page', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/bin/redirect.cgi'));
    assertErrorPage(res, 302);
    assert.equal(res.get('location'), 'http://example.com/elsewhere?x=1');
    assert.ok(res.text.includes('href="http://example.com/elsewhere?x=1"'), res.text);
  });

  test('malformed output, no Content-Type/Location/Status, or death before the block: 500, raw output never shown', T, async () => {
    for (const name of ['malformed', 'no-type', 'dies']) {
      const res = await fetchOne(porta.port, request('GET', `/bin/${name}.cgi`));
      assertErrorPage(res, 500, { close: false });
      assert.ok(!res.text.includes('RAW-SECRET-OUTPUT'), `${name}: the program's output is not shown`);
      assert.ok(!res.text.includes('text/pl'), name);
    }
    await eventually(() => porta.internalErrors.some((e) => String(e).includes('/bin/dies.cgi')), 'the failure to be reported');
  });

  test("standard error goes to porta's error output with the script name", T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/bin/stderr.cgi'));
    assert.equal(res.status, 200);
    assert.equal(res.text, 'fine\n');
    await eventually(() => porta.internalErrors.some((e) => e === '/bin/stderr.cgi: something went wrong here'), 'the stderr line');
  });

  test('HEAD runs the program (in its own directory) and sends no body; the connection stays in sync', T, async () => {
    const conn = await RawConnection.open(porta.port);
    try {
      conn.write(request('HEAD', '/bin/marks.cgi') + request('GET', '/file.txt'));
      const [head, next] = await conn.waitForResponses(2, { methods: ['HEAD', 'GET'] });
      assert.equal(head!.status, 200);
      assert.equal(head!.get('content-type'), 'text/plain');
      assert.equal(head!.body.length, 0);
      assert.equal(next!.text, 'static file\n');
    } finally {
      conn.destroy();
    }
    assert.equal(await readFile(site.path('bin/ran.txt'), 'utf8'), 'HEAD\n');
  });

  test('a program running past the timeout: its process group is killed, 504', T, async () => {
    await withPorta({ root: site.root, cgiTimeoutMs: 500 }, async (short) => {
      const started = Date.now();
      const res = await fetchOne(short.port, request('GET', '/bin/slow.cgi'), { timeoutMs: 5000 });
      assertErrorPage(res, 504, { close: false });
      assert.ok(Date.now() - started >= 450, 'not before the timeout');
      const child = await readPid(site, 'bin/slow.pid');
      await eventually(async () => !(await isRunning(child)), 'the program’s child to be killed');
    });
  });

  test('a program that writes more than the client reads: held back by the client, killed when it leaves', T, async () => {
    const conn = await RawConnection.open(porta.port);
    conn.socket.pause();
    conn.write(request('GET', '/bin/flood.cgi'));
    const pid = await readPid(site, 'bin/flood.pid');
    const count = async (): Promise<number> => Number(await readFile(site.path('bin/flood.count'), 'utf8').catch(() => '0'));
    // Backpressure: the program is stopped once the socket and pipe buffers are full.
    let last = -1;
    await eventually(async () => {
      const now = await count();
      const stalled = now > 0 && now === last;
      last = now;
      // Fixed wait: held back means the count stops growing for a while; no event says so.
      if (!stalled) await new Promise((resolve) => setTimeout(resolve, 150));
      return stalled;
    }, 'the program to be held back', 8000);
    assert.ok(last * 64 < 32 * 1024, `the program got only ${last * 64} KiB out while nobody read`);
    assert.ok(await isRunning(pid));
    conn.destroy();
    await eventually(async () => !(await isRunning(pid)), 'the program to be killed after the client left');
  });

  test('OPTIONS: a program permits POST, a static file does not', T, async () => {
    const program = await fetchOne(porta.port, request('OPTIONS', '/bin/echo.cgi'));
    assert.equal(program.get('allow'), 'GET, HEAD, POST, OPTIONS, TRACE');
    const file = await fetchOne(porta.port, request('OPTIONS', '/file.txt'));
    assert.equal(file.get('allow'), 'GET, HEAD, OPTIONS, TRACE');
    const del = await fetchOne(porta.port, request('DELETE', '/bin/echo.cgi'));
    assertErrorPage(del, 405);
    assert.equal(del.get('allow'), 'GET, HEAD, POST, OPTIONS, TRACE');
  });

  test('POST to a program without a length: 411', T, async () => {
    assertErrorPage(await fetchOne(porta.port, request('POST', '/bin/echo.cgi')), 411);
  });

  test('POST to static content: 501 with or without a length, and a declared body is drained', T, async () => {
    assertErrorPage(await fetchOne(porta.port, request('POST', '/file.txt')), 501);
    assertErrorPage(await fetchOne(porta.port, request('POST', '/missing.txt')), 501);
    assertErrorPage(await fetchOne(porta.port, request('POST', '/plain.cgi', ['Content-Length: 0'])), 501);
    const bytes = request('POST', '/file.txt', ['Content-Length: 11']) + 'hello world' + request('POST', '/bin/', ['Transfer-Encoding: chunked']) + '3\r\nabc\r\n0\r\n\r\n' + request('GET', '/file.txt');
    const { responses } = await rawExchange(porta.port, bytes, { until: { responses: 3 } });
    assert.deepEqual(responses.map((r) => r.status), [501, 501, 200]);
    assertErrorPage(responses[0]!, 501, { close: false });
    assert.equal(responses[2]!.text, 'static file\n');
  });

  test('a file that is not executable is served, not run', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/plain.cgi'));
    assert.equal(res.status, 200);
    assert.equal(res.text, '#!/bin/sh\necho not run\n');
  });

  test('a program is never answered 304 from a validator', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/bin/status.cgi', ['If-None-Match: *', 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT']));
    assert.equal(res.status, 678);
  });
});

describe('CGI limits and switches', () => {
  test('a request body over --max-body sent to a program: 413, and the program is not left running', T, async () => {
    const site = await makeCgiSite();
    try {
      await withPorta({ root: site.root, limits: { maxBodyBytes: 1000 } }, async (porta) => {
        const chunk = 'y'.repeat(800);
        const bytes = request('POST', '/bin/echo.cgi', ['Transfer-Encoding: chunked']) + `320\r\n${chunk}\r\n320\r\n${chunk}\r\n0\r\n\r\n`;
        const { responses } = await rawExchange(porta.port, bytes, { until: 'close' });
        assert.equal(responses.length, 1);
        assertErrorPage(responses[0]!, 413, { close: true });
      });
    } finally {
      await site.cleanup();
    }
  });

  test('--no-cgi: programs are served as files and POST is 501; another suffix with --cgi-ext', T, async () => {
    const site = await makeCgiSite();
    try {
      await withPorta({ root: site.root, cgi: false }, async (porta) => {
        const res = await fetchOne(porta.port, request('GET', '/bin/status.cgi'));
        assert.equal(res.status, 200);
        assert.equal(res.text, PROGRAMS['bin/status.cgi']);
        assertErrorPage(await fetchOne(porta.port, request('POST', '/bin/echo.cgi', ['Content-Length: 0'])), 501);
      });
      await writeFile(site.path('bin/hello.pl'), '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nfrom pl\\n"\n', { mode: 0o755 });
      await withPorta({ root: site.root, cgiExtension: '.pl' }, async (porta) => {
        assert.equal((await fetchOne(porta.port, request('GET', '/bin/hello.pl'))).text, 'from pl\n');
        const notProgram = await fetchOne(porta.port, request('GET', '/bin/status.cgi'));
        assert.equal(notProgram.text, PROGRAMS['bin/status.cgi']);
      });
    } finally {
      await site.cleanup();
    }
  });

  test('a program outside the root is never run through a symbolic link', T, async () => {
    const site = await makeCgiSite();
    try {
      await site.add({ '../outside.cgi': '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\nRAN-OUTSIDE\\n"\n', 'link.cgi': { symlink: '../outside.cgi' } });
      await chmod(site.path('../outside.cgi'), 0o755);
      await withPorta({ root: site.root }, async (porta) => {
        const res = await fetchOne(porta.port, request('GET', '/link.cgi'));
        assert.equal(res.status, 403);
        assert.ok(!res.text.includes('RAN-OUTSIDE'));
      });
    } finally {
      await site.cleanup();
    }
  });

  test('porta serve: stopping the server kills a program still running', { timeout: 20_000 }, async () => {
    const site = await makeCgiSite();
    // The program outlives the stop timeout (1 s here, 30 s by default), then porta kills it.
    const porta = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--cgi-timeout', '60', '--stop-timeout', '1', '--access-log', 'off']);
    try {
      const [, port] = await porta.waitForStderr(/Local:\s+http:\/\/[^\s]*:(\d+)\//);
      const conn = await RawConnection.open(Number(port));
      conn.write(request('GET', '/bin/slow.cgi'));
      const child = await readPid(site, 'bin/slow.pid');
      assert.ok(await isRunning(child));
      const result = await porta.stop('SIGTERM');
      assert.equal(result.code, 0);
      await eventually(async () => !(await isRunning(child)), 'the program to be killed when porta stopped');
      conn.destroy();
    } finally {
      if (porta.child.exitCode === null) porta.child.kill('SIGKILL');
      await site.cleanup();
    }
  });
});
