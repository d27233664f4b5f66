/**
 * The health resource (docs/serve.md --health PATH): 200 'ok' without touching the document root,
 * off unless enabled, GET/HEAD only, never cached, logged like any other request.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { makeTempSite, withPorta } from '../helpers/porta-server.js';
import { assertErrorPage, assertStandardFields, fetchOne, request } from '../helpers/raw-client.js';

const HEALTH = '/.well-known/health';

describe('--health PATH', () => {
  test('GET answers 200 "ok" as text, not to be cached; HEAD the same without the body', async () => {
    const site = await makeTempSite({ 'index.html': 'home\n' });
    try {
      await withPorta({ root: site.root, healthPath: HEALTH }, async (server) => {
        const get = await fetchOne(server.port, request('GET', HEALTH));
        assertStandardFields(get, 200);
        assert.equal(get.text, 'ok\n');
        assert.equal(get.get('Content-Type'), 'text/plain; charset=utf-8');
        assert.equal(get.get('Cache-Control'), 'no-store');
        const head = await fetchOne(server.port, request('HEAD', HEALTH), { method: 'HEAD' });
        assert.equal(head.status, 200);
        assert.equal(head.get('Content-Length'), '3');
        assert.equal(head.body.length, 0);
        const withQuery = await fetchOne(server.port, request('GET', `${HEALTH}?probe=1`));
        assert.equal(withQuery.text, 'ok\n');
        const lines = await server.waitForLog(3);
        assert.match(lines[0] ?? '', /"GET \/\.well-known\/health HTTP\/1\.1" 200 3$/);
      });
    } finally {
      await site.cleanup();
    }
  });

  test('still answers when the document root is gone', async () => {
    const site = await makeTempSite({ 'index.html': 'home\n' });
    try {
      await withPorta({ root: site.root, healthPath: '/healthz' }, async (server) => {
        assert.equal((await fetchOne(server.port, request('GET', '/'))).status, 200);
        await rm(site.root, { recursive: true });
        const health = await fetchOne(server.port, request('GET', '/healthz'));
        assert.equal(health.status, 200);
        assert.equal(health.text, 'ok\n');
      });
    } finally {
      await site.cleanup();
    }
  });

  test('comes before redirect rules: a rule that matches the health path does not move it', async () => {
    const site = await makeTempSite({ 'index.html': 'home\n' });
    try {
      await withPorta({ root: site.root, healthPath: '/healthz', redirects: '302: ^/(.*)z$ /elsewhere/$1\n' }, async (server) => {
        assert.equal((await fetchOne(server.port, request('GET', '/fizz'))).status, 302);
        const health = await fetchOne(server.port, request('GET', '/healthz'));
        assert.equal(health.status, 200);
        assert.equal(health.text, 'ok\n');
      });
    } finally {
      await site.cleanup();
    }
  });

  test('other methods get 405 with Allow; OPTIONS lists the methods', async () => {
    const site = await makeTempSite({});
    try {
      await withPorta({ root: site.root, healthPath: HEALTH }, async (server) => {
        const post = await fetchOne(server.port, request('POST', HEALTH, ['Content-Length: 0']));
        assertErrorPage(post, 405);
        assert.match(post.get('Allow') ?? '', /GET, HEAD/);
        const options = await fetchOne(server.port, request('OPTIONS', HEALTH));
        assert.equal(options.status, 200);
        assert.match(options.get('Allow') ?? '', /GET, HEAD/);
      });
    } finally {
      await site.cleanup();
    }
  });

  test('is off unless enabled: the path is then an ordinary (missing) file', async () => {
    const site = await makeTempSite({});
    try {
      await withPorta({ root: site.root }, async (server) => {
        assertErrorPage(await fetchOne(server.port, request('GET', HEALTH)), 404);
      });
    } finally {
      await site.cleanup();
    }
  });
});
