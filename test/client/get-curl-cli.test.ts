/**
 * `porta get` as a small curl (docs/toolkit.md), the CLI run against a real porta: a closed
 * output pipe ends quietly, https with and without -k, -d, -T, -u (Basic, and Digest on a
 * challenge), --fail and -o; exit codes, the bytes on standard output and the files written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { makeSelfSignedCertificate } from '../../src/net/self-signed-certificate.js';
import { basicControlFile, digestControlFile } from '../helpers/auth-client.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { PORTA_MAIN, runPorta, startPorta as spawnPorta } from '../helpers/spawn-porta.js';

const T = { timeout: 20_000 };
const CONTROL = 'WeMustProtectThisHouse!';
/** Far more than a pipe holds (64 KiB), so porta is still writing when its reader goes. */
const BIG = randomBytes(8 * 1024 * 1024);

/** One line on standard error, no stack trace. */
function assertOneLine(stderr: string, pattern: RegExp): void {
  assert.match(stderr, pattern);
  assert.equal(stderr.split('\n').length, 2, `one line, got: ${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

describe('porta get as a small curl', () => {
  let site: TempSite;
  let porta: PortaServer;
  let base: string;

  before(async () => {
    site = await makeTempSite({
      'hello.txt': 'hello\n',
      'big.bin': BIG,
      'folder/index.html': 'index\n',
      'bin/echo.cgi': '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n%s %s %s\\n" "$REQUEST_METHOD" "$CONTENT_TYPE" "$CONTENT_LENGTH"\nexec cat\n',
      'bin/see-other.cgi': '#!/bin/sh\nprintf "Status: 303 See Other\\nLocation: http://%s/bin/echo.cgi\\n\\n" "$HTTP_HOST"\n',
      'bin/temporary.cgi': '#!/bin/sh\nprintf "Status: 307 Temporary Redirect\\nLocation: http://%s/bin/echo.cgi\\n\\n" "$HTTP_HOST"\n',
      'bin/elsewhere.cgi': '#!/bin/sh\nprintf "Status: 302 Found\\nLocation: http://localhost:%s/hello.txt\\n\\n" "$SERVER_PORT"\n',
      'basic/secret.txt': 'basic secret\n',
      [`basic/${CONTROL}`]: basicControlFile('Basic Area', { alice: 'wonderland' }),
      'digest/secret.txt': 'digest secret\n',
      [`digest/${CONTROL}`]: digestControlFile('Digest Area', { carol: 'se:cret' }),
      'sha/secret.txt': 'sha secret\n',
      [`sha/${CONTROL}`]: digestControlFile('Sha Area', { dave: 'pw256' }, [], 'SHA-256'),
      'up/keep.txt': 'keep\n',
      [`up/${CONTROL}`]: basicControlFile('Uploads', { alice: 'wonderland' }, ['ALLOW-PUT']),
      'dup/keep.txt': 'keep\n',
      [`dup/${CONTROL}`]: digestControlFile('Digest uploads', { carol: 'se:cret' }, ['ALLOW-PUT']),
    });
    for (const program of ['echo', 'see-other', 'temporary', 'elsewhere']) await chmod(site.path(`bin/${program}.cgi`), 0o755);
    porta = await startPorta({ root: site.root, cgi: true, limits: { maxBodyBytes: 4 * 1024 * 1024 } });
    base = `http://127.0.0.1:${porta.port}`;
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  test('every flag is in `porta get --help` and in docs/toolkit.md', T, async () => {
    const help = (await runPorta(['get', '--help'])).stdout.toString();
    const docs = await readFile(new URL('../../../docs/toolkit.md', import.meta.url), 'utf8');
    for (const [short, long] of [['-d', '--data'], ['-T', '--upload-file'], ['-u', '--user'], ['-f', '--fail'], ['-o', '--output'], ['-k', '--insecure']]) {
      assert.match(help, new RegExp(`^  ${short}, ${long} `, 'm'), long);
      assert.ok(docs.includes(`| \`${short}\`, \`${long}`), `${long} in the flag table of docs/toolkit.md`);
      assert.match(docs, new RegExp(`^\\$ porta get .*${short} `, 'm'), `an example of ${short} in docs/toolkit.md`);
    }
  });

  describe('a closed output ends quietly with status 0', () => {
    test('the reader of standard output goes away in the middle of a body', T, async () => {
      const running = spawnPorta(['get', `${base}/big.bin`]);
      running.child.stdout?.once('data', () => running.child.stdout?.destroy());
      const result = await running.exited;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
    });

    test('`porta get -I -L URL | head -1` prints the first line, no error, status 0', T, async () => {
      for (let run = 0; run < 3; run++) {
        const shell = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "${PORTA_MAIN}" get -I -L ${base}/folder | head -1`], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const code = await new Promise<number | null>((resolve) => shell.on('close', resolve));
        assert.equal(stdout, 'HTTP/1.1 301 Moved Permanently\r\n');
        assert.equal(stderr, '');
        assert.equal(code, 0, 'with pipefail, porta exited 0');
      }
    });
  });

  describe('https', () => {
    const credentials = makeSelfSignedCertificate(['localhost', '127.0.0.1']);
    let tlsSite: TempSite;
    let secure: PortaServer;
    before(async () => {
      tlsSite = await makeTempSite({ 'page.txt': 'over tls\n' });
      secure = await startPorta({ root: tlsSite.root, tls: credentials });
    });
    after(async () => {
      await secure.close();
      await tlsSite.cleanup();
    });

    test('-k fetches over TLS from a self-signed server; -v shows the session', T, async () => {
      const result = await runPorta(['get', '-k', '-v', `https://localhost:${secure.port}/page.txt`]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.toString(), 'over tls\n');
      assert.match(result.stderr, /^\* TLS: TLSv1\.[23], ALPN http\/1\.1, certificate NOT verified \(-k\)$/m);
      assert.match(result.stderr, new RegExp(`^> Host: localhost:${secure.port}$`, 'm'));
    });

    test('a trusted certificate passes without -k; one for another name does not', T, async () => {
      const caFile = tlsSite.path('../ca.pem');
      await writeFile(caFile, credentials.cert);
      const run = (url: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
        new Promise((resolve) => {
          const child = spawn(process.execPath, [PORTA_MAIN, 'get', '-v', url], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile } });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('close', (code) => resolve({ code, stdout, stderr }));
        });
      const trusted = await run(`https://localhost:${secure.port}/page.txt`);
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal(trusted.stdout, 'over tls\n');
      assert.match(trusted.stderr, /^\* TLS: TLSv1\.[23], ALPN http\/1\.1, certificate verified$/m);
      // A trusted certificate, but for another name: the handshake is all it takes to fail.
      const stranger = makeSelfSignedCertificate(['porta.test']);
      await writeFile(caFile, stranger.cert);
      const server = tls.createServer({ cert: stranger.cert, key: stranger.key }, (socket) => socket.destroy());
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const otherName = await run(`https://localhost:${(server.address() as net.AddressInfo).port}/`);
        assert.equal(otherName.code, 60);
        assertOneLine(otherName.stderr, /cannot be trusted: it is not issued for localhost \(-k\/--insecure skips this check\)\n$/);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    test('without -k an untrusted certificate is one line and exit 60', T, async () => {
      const result = await runPorta(['get', `https://localhost:${secure.port}/page.txt`]);
      assert.equal(result.code, 60);
      assert.equal(result.stdout.length, 0);
      assertOneLine(result.stderr, /^porta: the certificate of localhost port \d+ cannot be trusted: no authority trusted here signed it \(it may be self-signed\) \(-k\/--insecure skips this check\)\n$/);
    });

    test('https to a plain HTTP server is one line and exit 35', T, async () => {
      // A plain server that answers a TLS hello with an HTTP error at once, as nginx does.
      const plain = net.createServer((socket) => {
        socket.on('error', () => undefined);
        socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
      });
      await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
      try {
        const result = await runPorta(['get', `https://127.0.0.1:${(plain.address() as net.AddressInfo).port}/`]);
        assert.equal(result.code, 35);
        assertOneLine(result.stderr, /^porta: TLS handshake with 127\.0\.0\.1 port \d+ failed: .*\(is it an https server\? try http:\/\/\)\n$/);
      } finally {
        await new Promise<void>((resolve) => plain.close(() => resolve()));
      }
    });
  });

  test('-d posts a form (as curl: urlencoded type, parts joined by &, @FILE without line breaks)', T, async () => {
    const form = await runPorta(['get', '-d', 'name=Ada', '-d', 'lang=en', `${base}/bin/echo.cgi`]);
    assert.equal(form.code, 0, form.stderr);
    assert.equal(form.stdout.toString(), 'POST application/x-www-form-urlencoded 16\nname=Ada&lang=en');
    await writeFile(site.path('../form.txt'), 'a=1\r\n&b=2\n');
    const fromFile = await runPorta(['get', '-d', `@${site.path('../form.txt')}`, '-H', 'Content-Type: text/plain', `${base}/bin/echo.cgi`]);
    assert.equal(fromFile.stdout.toString(), 'POST text/plain 7\na=1&b=2');
    const missing = await runPorta(['get', '-d', '@/nonexistent/form.txt', `${base}/bin/echo.cgi`]);
    assert.equal(missing.code, 2);
    assertOneLine(missing.stderr, /^porta: -d @\/nonexistent\/form\.txt: no such file\n$/);
  });

  test('-d @- reads standard input; after 303 the request is a GET without the body, after 307 the same POST', T, async () => {
    const stdin = await runPorta(['get', '-d', '@-', `${base}/bin/echo.cgi`], { stdin: 'x=1\ny=2\n' });
    assert.equal(stdin.stdout.toString(), 'POST application/x-www-form-urlencoded 6\nx=1y=2');
    const seeOther = await runPorta(['get', '-L', '-d', 'a=1', `${base}/bin/see-other.cgi`]);
    assert.equal(seeOther.code, 0, seeOther.stderr);
    assert.equal(seeOther.stdout.toString(), 'GET  \n');
    const temporary = await runPorta(['get', '-L', '-d', 'a=1', `${base}/bin/temporary.cgi`]);
    assert.equal(temporary.stdout.toString(), 'POST application/x-www-form-urlencoded 3\na=1');
  });

  test('-u credentials are not sent to another origin after a redirect', T, async () => {
    const result = await runPorta(['get', '-v', '-L', '-u', 'alice:wonderland', `${base}/bin/elsewhere.cgi`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'hello\n');
    assert.equal(result.stderr.match(/^> Authorization: /gm)?.length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^> Host: localhost:${porta.port}$`, 'm'));
  });

  test('-T uploads a file with PUT (streamed, the name appended to a URL ending in /)', T, async () => {
    const upload = site.path('../report.bin');
    const content = randomBytes(3 * 1024 * 1024);
    await writeFile(upload, content);
    const result = await runPorta(['get', '-u', 'alice:wonderland', '-T', upload, '-i', `${base}/up/`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.toString(), /^HTTP\/1\.1 201 Created\r\n/);
    assert.deepEqual(await readFile(site.path('up/report.bin')), content);
    // Digest asks first: the file is sent again with the answer.
    const small = site.path('../note.txt');
    await writeFile(small, 'a note\n');
    const digest = await runPorta(['get', '-u', 'carol:se:cret', '-T', small, `${base}/dup/renamed.txt`]);
    assert.equal(digest.code, 0, digest.stderr);
    assert.equal(await readFile(site.path('dup/renamed.txt'), 'utf8'), 'a note\n');
  });

  test('-u sends Basic at once, and answers a Digest challenge (MD5 and SHA-256) once', T, async () => {
    const basic = await runPorta(['get', '-v', '-u', 'alice:wonderland', `${base}/basic/secret.txt`]);
    assert.equal(basic.code, 0, basic.stderr);
    assert.equal(basic.stdout.toString(), 'basic secret\n');
    assert.match(basic.stderr, /^> Authorization: Basic YWxpY2U6d29uZGVybGFuZA==$/m);
    for (const [path, user, body, algorithm] of [
      ['/digest/secret.txt', 'carol:se:cret', 'digest secret\n', 'MD5'],
      ['/sha/secret.txt', 'dave:pw256', 'sha secret\n', 'SHA-256'],
    ] as const) {
      const result = await runPorta(['get', '-v', '-u', user, `${base}${path}`]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.toString(), body);
      assert.match(result.stderr, new RegExp(`^\\* 401 asks for Digest \\(${algorithm},`, 'm'));
      assert.match(result.stderr, new RegExp(`^> Authorization: Digest username="${user.split(':')[0]}", .*algorithm=${algorithm}, .*qop=auth`, 'm'));
    }
    const wrong = await runPorta(['get', '-i', '-u', 'carol:wrong', `${base}/digest/secret.txt`]);
    assert.equal(wrong.code, 0);
    assert.match(wrong.stdout.toString(), /^HTTP\/1\.1 401 Unauthorized\r\n/);
  });

  test('--fail: a status >= 400 prints nothing and exits 22', T, async () => {
    const plain = await runPorta(['get', `${base}/missing.txt`]);
    assert.equal(plain.code, 0);
    assert.ok(plain.stdout.length > 0);
    const failed = await runPorta(['get', '--fail', '-i', `${base}/missing.txt`]);
    assert.equal(failed.code, 22);
    assert.equal(failed.stdout.length, 0);
    assertOneLine(failed.stderr, /^porta: http:\/\/127\.0\.0\.1:\d+\/missing\.txt: the server answered 404 Not Found\n$/);
    const refused = await runPorta(['get', '-f', '-u', 'alice:wrong', `${base}/basic/secret.txt`]);
    assert.equal(refused.code, 22);
    const ok = await runPorta(['get', '-f', `${base}/hello.txt`]);
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout.toString(), 'hello\n');
  });

  test('-o writes the body to a file (none with --fail on an error); an unwritable one exits 23', T, async () => {
    const file = site.path('../out.bin');
    const result = await runPorta(['get', '-o', file, `${base}/big.bin`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.length, 0);
    assert.deepEqual(await readFile(file), BIG);
    const none = site.path('../none.html');
    const failed = await runPorta(['get', '-f', '-o', none, `${base}/missing.txt`]);
    assert.equal(failed.code, 22);
    await assert.rejects(stat(none), { code: 'ENOENT' });
    const unwritable = await runPorta(['get', '-o', site.path('../no/such/dir/out.txt'), `${base}/hello.txt`]);
    assert.equal(unwritable.code, 23);
    assertOneLine(unwritable.stderr, /^porta: cannot write .*out\.txt: no such file\n$/);
     // A full disk under standard output is the same kind of failure (Linux has /dev/full).
    const full = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const shell = spawn('bash', ['-c', `"${process.execPath}" "${PORTA_MAIN}" get ${base}/big.bin > /dev/full`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      shell.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(full.code, 23);
    assertOneLine(full.stderr, /^porta: cannot write standard output: no space left on the device\n$/);
  });
});
