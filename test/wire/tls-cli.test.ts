/**
 * `porta serve` with HTTPS as a user runs it (docs/serve.md): certificate files, the made
 * certificate and its fingerprint in the banner, the plain-HTTP redirect listener, workers
 * serving TLS, and every bad certificate or key file as one line and exit code 2.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { certificateFingerprint, makeSelfSignedCertificate } from '../../src/net/self-signed-certificate.js';
import { makeTempSite, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, fetchOne, request } from '../helpers/raw-client.js';
import { runPorta, startPorta as spawnPorta, type RunningPorta } from '../helpers/spawn-porta.js';
import { connectTls, tlsFetchOne } from '../helpers/tls-client.js';

const T = { timeout: 20_000 };
const credentials = makeSelfSignedCertificate(['localhost', '127.0.0.1']);
const stranger = makeSelfSignedCertificate(['localhost']);

let site: TempSite;
let certFile: string;
let keyFile: string;
before(async () => {
  site = await makeTempSite({ 'index.html': 'over https\n' });
  certFile = site.path('../cert.pem');
  keyFile = site.path('../key.pem');
  await writeFile(certFile, credentials.cert);
  await writeFile(keyFile, credentials.key);
  await writeFile(site.path('../other-key.pem'), stranger.key);
  await writeFile(site.path('../garbage.pem'), 'not a certificate\n');
});
after(async () => site.cleanup());

async function bannerPort(running: RunningPorta, scheme = 'https'): Promise<number> {
  const match = await running.waitForStderr(new RegExp(String.raw`Local:\s+${scheme}://127\.0\.0\.1:(\d+)/\n`), 8000);
  return Number(match[1]);
}

describe('porta serve --tls-cert/--tls-key', () => {
  test('serves HTTPS with the given certificate; the banner shows an https URL and its fingerprint', T, async () => {
    const running = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--tls-cert', certFile, '--tls-key', keyFile, '--access-log', 'off']);
    try {
      const port = await bannerPort(running);
      const fingerprint = await running.waitForStderr(/Certificate SHA-256: ([0-9A-F:]+)\n/);
      assert.equal(fingerprint[1], certificateFingerprint(credentials.cert));
      const response = await tlsFetchOne(port, request('GET', '/'), { ca: credentials.cert });
      assert.equal(response.status, 200);
      assert.equal(response.text, 'over https\n');
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  test('SIGTERM with a client stuck in the TLS handshake stops at once, exit 0', T, async () => {
    const running = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--tls-cert', certFile, '--tls-key', keyFile, '--access-log', 'off']);
    const port = await bannerPort(running);
    const stalled = await RawConnection.open(port);
    const started = Date.now();
    const result = await running.stop();
    stalled.destroy();
    assert.equal(result.code, 0);
    // Far less than the 10 s handshake deadline and the 5 s grace for requests in flight.
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
  });

  const bad: ReadonlyArray<readonly [string, () => string[], RegExp]> = [
    ['a missing certificate file', () => ['--tls-cert', site.path('../none.pem'), '--tls-key', keyFile], /^porta: --tls-cert: cannot read .*none\.pem: no such file\n$/],
    ['a file that is not a certificate', () => ['--tls-cert', site.path('../garbage.pem'), '--tls-key', keyFile], /^porta: --tls-cert: .*garbage\.pem is not a PEM certificate/],
    ['a key file that is not a key', () => ['--tls-cert', certFile, '--tls-key', site.path('../garbage.pem')], /^porta: --tls-key: .*garbage\.pem is not an unencrypted PEM private key\n$/],
    ['the key of another certificate', () => ['--tls-cert', certFile, '--tls-key', site.path('../other-key.pem')], /^porta: --tls-key: .*other-key\.pem is not the private key of the certificate in .*cert\.pem\n$/],
    ['a certificate without its key', () => ['--tls-cert', certFile], /^porta: --tls-cert needs --tls-key FILE/],
    ['--tls-self-signed with files', () => ['--tls-self-signed', '--tls-cert', certFile, '--tls-key', keyFile], /^porta: --tls-self-signed makes its own certificate/],
    ['--redirect-http without TLS', () => ['--redirect-http', '0'], /^porta: --redirect-http redirects to HTTPS: it needs/],
    ['a --health value that is not a path', () => ['--health', 'healthz'], /^porta: --health must be a path like \/\.well-known\/health/],
  ];
  for (const [what, args, message] of bad) {
    test(`${what} is one line on standard error and exit code 2`, T, async () => {
      const result = await runPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', ...args()]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.split('\n').length, 2, `one line, got: ${result.stderr}`);
    });
  }
});

describe('porta serve --tls-self-signed', () => {
  test('makes a certificate at start, prints its fingerprint, and --redirect-http sends plain HTTP to HTTPS', T, async () => {
    const running = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--tls-self-signed', '--redirect-http', '0', '--access-log', 'off']);
    try {
      const port = await bannerPort(running);
      const [, fingerprint] = await running.waitForStderr(/Certificate SHA-256 \(self-signed, made at start\): ([0-9A-F:]+)\n/);
      const [, redirectPort] = await running.waitForStderr(/Plain HTTP on port (\d+) redirects to HTTPS\n/);
      // The client cannot trust a certificate made just now; it checks the fingerprint instead.
      const socket = await connectTls(port, { ca: '', trustAny: true });
      const presented = socket.getPeerX509Certificate();
      socket.destroy();
      assert.equal(presented?.fingerprint256, fingerprint);
      assert.ok(presented?.checkHost('localhost'));

      const get = await fetchOne(Number(redirectPort), request('GET', '/docs/a%20b?x=1', [], 'HTTP/1.1').replace('Host: 127.0.0.1', 'Host: example.test:8000'));
      assert.equal(get.status, 301);
      assert.equal(get.get('Location'), `https://example.test:${port}/docs/a%20b?x=1`);
      const post = await fetchOne(Number(redirectPort), request('POST', '/form', ['Content-Length: 0']));
      assert.equal(post.status, 308);
      assert.equal(post.get('Location'), `https://127.0.0.1:${port}/form`);
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  test('with --workers 2 every worker serves TLS with the one certificate the primary made, and the redirect listener', T, async () => {
    const running = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--tls-self-signed', '--redirect-http', '0', '--workers', '2', '--access-log', 'off'], { timeoutMs: 20_000 });
    try {
      const port = await bannerPort(running);
      const [, fingerprint] = await running.waitForStderr(/Certificate SHA-256 \(self-signed, made at start\): ([0-9A-F:]+)\n/);
      await running.waitForStderr(/2 worker processes/);
      const seen = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const socket = await connectTls(port, { ca: '', servername: 'localhost', trustAny: true });
        seen.add(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
        socket.write(request('GET', '/', ['Connection: close']));
        const body = await new Promise<string>((resolve) => {
          let text = '';
          socket.setEncoding('latin1');
          socket.on('data', (chunk: string) => (text += chunk));
          socket.on('end', () => resolve(text));
        });
        assert.match(body, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nover https\n$/);
        socket.destroy();
      }
      assert.deepEqual([...seen], [fingerprint]);
      const [, redirectPort] = await running.waitForStderr(/Plain HTTP on port (\d+) redirects to HTTPS\n/);
      const redirect = await fetchOne(Number(redirectPort), request('GET', '/x'));
      assert.equal(redirect.get('Location'), `https://127.0.0.1:${port}/x`);
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });
});
