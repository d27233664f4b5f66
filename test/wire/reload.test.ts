/**
 * SIGHUP (docs/serve.md): the config file, the redirect rules and the certificates are read again
 * and used for new requests, connections already open keep working (their next request
 * sees the new configuration), and a bad new configuration is refused with one line while
 * the old one keeps serving. With --workers, every worker reloads.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { certificateFingerprint, makeSelfSignedCertificate } from '../../src/net/self-signed-certificate.js';
import { makeTempSite, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, fetchOne, request } from '../helpers/raw-client.js';
import { startPorta as spawnPorta, type RunningPorta } from '../helpers/spawn-porta.js';
import { connectTls, openTlsConnection } from '../helpers/tls-client.js';

// Generous: worker processes start slowly on a busy 2-core machine; every wait is for a line, never a fixed time.
const T = { timeout: 60_000 };

let site: TempSite;
before(async () => {
  site = await makeTempSite({ 'index.html': 'home\n', 'old/page.html': 'old page\n' });
});
after(async () => site.cleanup());

/** Sends SIGHUP and waits for the `count`-th reload line (reloaded or refused). */
async function reload(running: RunningPorta, count: number): Promise<string> {
  running.child.kill('SIGHUP');
  const pattern = new RegExp(String.raw`(?:porta: (?:reloaded|reload refused)[^\n]*\n[\s\S]*){${count - 1}}(porta: (?:reloaded|reload refused)[^\n]*\n)`);
  const match = await running.waitForStderr(pattern, 30_000);
  return match[1] ?? '';
}

async function start(args: readonly string[], label: string): Promise<{ running: RunningPorta; port: number }> {
  const running = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off', ...args], { timeoutMs: 55_000 });
  const match = await running.waitForStderr(/Local:\s+https?:\/\/127\.0\.0\.1:(\d+)\/\n/, 30_000).catch((error: unknown) => {
    running.child.kill('SIGKILL');
    throw new Error(`${label}: ${String(error)}`);
  });
  return { running, port: Number(match[1]) };
}

describe('porta serve: SIGHUP', () => {
  test('a changed redirect rule takes effect for new requests; a keep-alive connection opened before keeps working', T, async () => {
    const rules = site.path('../rules-1.txt');
    const config = site.path('../config-1.json');
    await writeFile(rules, '301: ^/old/(.*)$ /v1/$1\n');
    await writeFile(config, JSON.stringify({ redirects: rules }));
    const { running, port } = await start(['--config', config], 'redirects');
    try {
      const kept = await RawConnection.open(port);
      kept.write(request('GET', '/old/page.html'));
      const [before] = await kept.waitForResponses(1);
      assert.equal(before?.get('Location'), '/v1/page.html');

      await writeFile(rules, '302: ^/old/(.*)$ /v2/$1\n');
      assert.equal(await reload(running, 1), 'porta: reloaded the configuration\n');

      // The connection opened before the reload is still open and gets the new rule.
      kept.write(request('GET', '/old/page.html'));
      const responses = await kept.waitForResponses(2);
      assert.equal(responses[1]?.status, 302);
      assert.equal(responses[1]?.get('Location'), '/v2/page.html');
      kept.destroy();
      const fresh = await fetchOne(port, request('GET', '/old/page.html'));
      assert.equal(fresh.get('Location'), '/v2/page.html');
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  test('a bad new config is refused with one line and the old one keeps serving', T, async () => {
    const rules = site.path('../rules-2.txt');
    const config = site.path('../config-2.json');
    await writeFile(rules, '301: ^/old/(.*)$ /v1/$1\n');
    await writeFile(config, JSON.stringify({ redirects: rules, health: '/healthz' }));
    const { running, port } = await start(['--config', config], 'bad config');
    try {
      const errorsBefore = running.stderr();
      await writeFile(config, '{ "redirects": ');
      const line = await reload(running, 1);
      assert.match(line, /^porta: reload refused, still serving the previous configuration: --config: .*config-2\.json is not valid JSON/);
      assert.equal(running.stderr().slice(errorsBefore.length), line, 'exactly one line');
      assert.equal((await fetchOne(port, request('GET', '/old/page.html'))).get('Location'), '/v1/page.html');
      assert.equal((await fetchOne(port, request('GET', '/healthz'))).status, 200);

      // A bad rules file and an unknown key are refused the same way.
      await writeFile(config, JSON.stringify({ redirects: rules, healthh: '/x' }));
      assert.match(await reload(running, 2), /^porta: reload refused, .*config key 'healthh'.* is unknown/);
      await writeFile(config, JSON.stringify({ redirects: rules }));
      await writeFile(rules, '301: ^/old/(.*$ /v1/$1\n');
      assert.match(await reload(running, 3), /^porta: reload refused, still serving the previous configuration: --redirects: /);
      assert.equal((await fetchOne(port, request('GET', '/old/page.html'))).get('Location'), '/v1/page.html');
      assert.equal((await fetchOne(port, request('GET', '/healthz'))).status, 200);

      // Fixed: the next reload applies (the health path is gone from the config now).
      await writeFile(rules, '301: ^/old/(.*)$ /v3/$1\n');
      assert.equal(await reload(running, 4), 'porta: reloaded the configuration\n');
      assert.equal((await fetchOne(port, request('GET', '/old/page.html'))).get('Location'), '/v3/page.html');
      assert.equal((await fetchOne(port, request('GET', '/healthz'))).status, 404);
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  test('settings of the listener itself are named as needing a restart; the site\'s settings change', T, async () => {
    const config = site.path('../config-3.json');
    await writeFile(config, JSON.stringify({ keepAliveTimeout: 5 }));
    const { running, port } = await start(['--config', config], 'restart-only');
    try {
      assert.equal((await fetchOne(port, request('GET', '/'))).get('Access-Control-Allow-Origin'), undefined);
      await writeFile(config, JSON.stringify({ keepAliveTimeout: 7, health: '/up', cors: true }));
      assert.equal(await reload(running, 1), 'porta: reloaded the configuration; --keep-alive-timeout changed and needs a restart\n');
      // The site's settings did change.
      assert.equal((await fetchOne(port, request('GET', '/up'))).status, 200);
      assert.equal((await fetchOne(port, request('GET', '/'))).get('Access-Control-Allow-Origin'), '*');
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  test('new certificate files are presented to new connections; a TLS connection opened before keeps working', T, async () => {
    const first = makeSelfSignedCertificate(['localhost']);
    const second = makeSelfSignedCertificate(['localhost']);
    const certFile = site.path('../reload-cert.pem');
    const keyFile = site.path('../reload-key.pem');
    await writeFile(certFile, first.cert);
    await writeFile(keyFile, first.key);
    const { running, port } = await start(['--tls-cert', certFile, '--tls-key', keyFile], 'certificates');
    try {
      const { connection } = await openTlsConnection(port, { ca: first.cert });
      await writeFile(certFile, second.cert);
      await writeFile(keyFile, second.key);
      assert.equal(await reload(running, 1), 'porta: reloaded the configuration\n');
      const fresh = await connectTls(port, { ca: second.cert });
      assert.equal(fresh.getPeerX509Certificate()?.fingerprint256, certificateFingerprint(second.cert));
      fresh.destroy();
      connection.write(request('GET', '/'));
      const [response] = await connection.waitForResponses(1);
      assert.equal(response?.text, 'home\n');
      connection.destroy();

      // A key that does not match is refused; the second certificate stays.
      await writeFile(keyFile, first.key);
      assert.match(await reload(running, 2), /^porta: reload refused, .*--tls-key: .* is not the private key of the certificate/);
      const still = await connectTls(port, { ca: second.cert });
      still.destroy();
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  test('with --workers 2, each worker reloads: every new connection sees the new rule', T, async () => {
    const rules = site.path('../rules-5.txt');
    await writeFile(rules, '301: ^/old/(.*)$ /v1/$1\n');
    const { running, port } = await start(['--redirects', rules, '--workers', '2'], 'workers');
    try {
      await running.waitForStderr(/2 worker processes/);
      const kept = await RawConnection.open(port);
      kept.write(request('GET', '/old/page.html'));
      await kept.waitForResponses(1);
      await writeFile(rules, '301: ^/old/(.*)$ /v2/$1\n');
      assert.equal(await reload(running, 1), 'porta: reloaded the configuration in 2 workers\n');
      for (let i = 0; i < 10; i++) assert.equal((await fetchOne(port, request('GET', '/old/page.html'))).get('Location'), '/v2/page.html');
      kept.write(request('GET', '/old/page.html'));
      const responses = await kept.waitForResponses(2);
      assert.equal(responses[1]?.get('Location'), '/v2/page.html');
      kept.destroy();

      await writeFile(rules, 'nonsense\n');
      assert.match(await reload(running, 2), /^porta: reload refused, still serving the previous configuration: --redirects: /);
      assert.equal((await fetchOne(port, request('GET', '/old/page.html'))).get('Location'), '/v2/page.html');
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });

  test('with --workers 2 and certificate files, every worker presents the new certificate after the reload', T, async () => {
    const first = makeSelfSignedCertificate(['localhost']);
    const second = makeSelfSignedCertificate(['localhost']);
    const certFile = site.path('../workers-cert.pem');
    const keyFile = site.path('../workers-key.pem');
    await writeFile(certFile, first.cert);
    await writeFile(keyFile, first.key);
    const { running, port } = await start(['--tls-cert', certFile, '--tls-key', keyFile, '--workers', '2'], 'workers and certificates');
    try {
      await running.waitForStderr(/2 worker processes/);
      await writeFile(certFile, second.cert);
      await writeFile(keyFile, second.key);
      assert.equal(await reload(running, 1), 'porta: reloaded the configuration in 2 workers\n');
      for (let i = 0; i < 8; i++) {
        const socket = await connectTls(port, { ca: second.cert });
        assert.equal(socket.getPeerX509Certificate()?.fingerprint256, certificateFingerprint(second.cert));
        socket.destroy();
      }
    } finally {
      assert.equal((await running.stop()).code, 0);
    }
  });
});
