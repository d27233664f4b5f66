/**
 * The programmatic API (src/index.ts, the package's main export): a server started
 * in-process answers over a real socket, logs through a callback, and closes cleanly; the
 * echo and hello services are exported too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as porta from '../../src/index.js';
import { makeTempSite } from '../helpers/porta-server.js';
import { fetchOne, request } from '../helpers/raw-client.js';
import { tlsFetchOne } from '../helpers/tls-client.js';
import { makeSelfSignedCertificate } from '../../src/net/self-signed-certificate.js';

describe('programmatic API', () => {
  test('startServer serves a folder on a chosen free port, logs via a callback, and closes', async () => {
    const site = await makeTempSite({ 'hello.txt': 'hi from the API\n' });
    const lines: string[] = [];
    const server = await porta.startServer({ root: site.root, port: 0, accessLog: (line) => lines.push(line), redirects: '301: ^/old$ /hello.txt\n' });
    try {
      assert.equal(server.url, `http://127.0.0.1:${server.port}/`);
      const file = await fetchOne(server.port, request('GET', '/hello.txt'));
      assert.equal(file.status, 200);
      assert.equal(file.text, 'hi from the API\n');
      assert.equal(file.get('content-type'), 'text/plain; charset=utf-8');
      const moved = await fetchOne(server.port, request('GET', '/old'));
      assert.equal(moved.status, 301);
      assert.equal(moved.get('location'), `/hello.txt`);
    } finally {
      await server.close();
      await site.cleanup();
    }
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.1" 200 16$/);
  });

  test('startServer with tls serves HTTPS, and health answers without the root', async () => {
    const site = await makeTempSite({ 'hello.txt': 'secret hello\n' });
    const credentials = makeSelfSignedCertificate(['localhost']);
    const server = await porta.startServer({ root: site.root, port: 0, tls: credentials, health: '/healthz' });
    try {
      assert.equal(server.url, `https://127.0.0.1:${server.port}/`);
      const file = await tlsFetchOne(server.port, request('GET', '/hello.txt'), { ca: credentials.cert });
      assert.equal(file.text, 'secret hello\n');
      const health = await tlsFetchOne(server.port, request('GET', '/healthz'), { ca: credentials.cert });
      assert.equal(health.text, 'ok\n');
    } finally {
      await server.close();
      await site.cleanup();
    }
  });

  test('a port in use is a rejected promise, not a crash', async () => {
    const site = await makeTempSite({});
    const first = await porta.startServer({ root: site.root, port: 0 });
    try {
      await assert.rejects(porta.startServer({ root: site.root, port: first.port }), /EADDRINUSE/);
    } finally {
      await first.close();
      await site.cleanup();
    }
  });

  test('the echo and hello services are exported', async () => {
    assert.equal(typeof porta.startEchoServer, 'function');
    assert.equal(typeof porta.startHelloServer, 'function');
    assert.match(porta.PORTA_VERSION, /^\d+\.\d+\.\d+/);
  });
});
