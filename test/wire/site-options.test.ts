/**
 * What users of serve, http-server and nginx reach for, over a real socket: CORS (answers
 * and preflights), single-page-app and clean-URL fallbacks, and the operator's own fields
 * (`--header`, `--cache-control`, per path prefix) on successful answers only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type StartPortaOptions, type TempSite } from '../helpers/porta-server.js';
import { assertErrorPage, fetchOne, request } from '../helpers/raw-client.js';

const FILES = {
  'index.html': '<h1>app shell</h1>\n',
  'about.html': '<h1>about</h1>\n',
  'docs/guide.html': '<h1>guide</h1>\n',
  'assets/app.js': 'console.log(1);\n',
  // A real control file (a malformed one would refuse its directory with 500), in a folder of
  // its own so it protects nothing the tests below ask for; it is hidden all the same.
  'private/WeMustProtectThisHouse!': 'authorization-type=Basic\nrealm="Private"\n',
};

function withSite(options: Omit<StartPortaOptions, 'root'>, body: (server: PortaServer) => void): void {
  let site: TempSite;
  let server: PortaServer;
  before(async () => {
    site = await makeTempSite(FILES);
    server = await startPorta({ root: site.root, ...options });
  });
  after(async () => {
    await server.close();
    await site.cleanup();
  });
  body(new Proxy({} as PortaServer, { get: (_, key) => server[key as keyof PortaServer] }));
}

describe('--cors', () => {
  withSite({ cors: true }, (server) => {
    test('every answer allows any origin, errors included, and exposes the useful fields', async () => {
      for (const [path, status] of [['/about.html', 200], ['/nope', 404]] as const) {
        const response = await fetchOne(server.port, request('GET', path, ['Origin: https://app.example']));
        assert.equal(response.status, status);
        assert.equal(response.get('access-control-allow-origin'), '*');
        assert.match(response.get('access-control-expose-headers')!, /\bETag\b/);
        assert.match(response.get('access-control-expose-headers')!, /\bContent-Range\b/);
      }
    });

    test('a preflight is 204 with the methods, the requested headers and a max age', async () => {
      const response = await fetchOne(
        server.port,
        request('OPTIONS', '/assets/app.js', ['Origin: https://app.example', 'Access-Control-Request-Method: PUT', 'Access-Control-Request-Headers: content-type, x-trace-id']),
      );
      assert.equal(response.status, 204);
      assert.equal(response.get('access-control-allow-origin'), '*');
      assert.equal(response.get('access-control-allow-methods'), 'GET, HEAD, POST, PUT, DELETE, OPTIONS');
      assert.equal(response.get('access-control-allow-headers'), 'content-type, x-trace-id');
      assert.equal(response.get('access-control-max-age'), '86400');
      assert.equal(response.body.length, 0);
    });

    test('a plain OPTIONS (no preflight fields) is still the usual answer with Allow', async () => {
      const response = await fetchOne(server.port, request('OPTIONS', '/about.html', ['Origin: https://app.example']));
      assert.equal(response.status, 200);
      assert.match(response.get('allow')!, /GET, HEAD/);
      assert.equal(response.get('access-control-allow-origin'), '*');
    });
  });
});

describe('without --cors', () => {
  withSite({}, (server) => {
    test('no CORS fields, and a preflight is an ordinary OPTIONS', async () => {
      const response = await fetchOne(server.port, request('OPTIONS', '/about.html', ['Origin: https://app.example', 'Access-Control-Request-Method: PUT']));
      assert.equal(response.status, 200);
      assert.equal(response.get('access-control-allow-origin'), undefined);
    });
  });
});

describe('--spa', () => {
  withSite({ spa: '/index.html' }, (server) => {
    test('a route that matches nothing gets the app shell, at any depth', async () => {
      for (const path of ['/dashboard', '/users/42/settings', '/docs/missing-page']) {
        const response = await fetchOne(server.port, request('GET', path));
        assert.equal(response.status, 200, path);
        assert.equal(response.text, '<h1>app shell</h1>\n');
        assert.equal(response.get('content-type'), 'text/html; charset=utf-8');
      }
    });

    test('existing files win; a missing asset (with a dot) stays 404; POST is not rewritten', async () => {
      assert.equal((await fetchOne(server.port, request('GET', '/about.html'))).text, '<h1>about</h1>\n');
      assertErrorPage(await fetchOne(server.port, request('GET', '/assets/missing.js')), 404);
      const post = await fetchOne(server.port, request('POST', '/dashboard', ['Content-Length: 0']));
      assert.notEqual(post.status, 200);
    });

    test('HEAD on a route: the fields of the shell, no body', async () => {
      const response = await fetchOne(server.port, request('HEAD', '/dashboard'), { method: 'HEAD' });
      assert.equal(response.status, 200);
      assert.equal(response.get('content-length'), String('<h1>app shell</h1>\n'.length));
      assert.equal(response.body.length, 0);
    });
  });
});

describe('--clean-urls', () => {
  withSite({ cleanUrls: true }, (server) => {
    test('/about is about.html, /docs/guide is docs/guide.html', async () => {
      assert.equal((await fetchOne(server.port, request('GET', '/about'))).text, '<h1>about</h1>\n');
      assert.equal((await fetchOne(server.port, request('GET', '/docs/guide?x=1'))).text, '<h1>guide</h1>\n');
    });

    test('no .html beside it, a trailing slash, or a hidden name: still 404', async () => {
      assertErrorPage(await fetchOne(server.port, request('GET', '/contact')), 404);
      assertErrorPage(await fetchOne(server.port, request('GET', '/about/')), 404);
      assertErrorPage(await fetchOne(server.port, request('GET', '/private/WeMustProtectThisHouse!')), 404);
    });
  });
});

describe('--clean-urls with --spa', () => {
  withSite({ cleanUrls: true, spa: '/index.html' }, (server) => {
    test('the .html file first, then the app shell', async () => {
      assert.equal((await fetchOne(server.port, request('GET', '/about'))).text, '<h1>about</h1>\n');
      assert.equal((await fetchOne(server.port, request('GET', '/elsewhere'))).text, '<h1>app shell</h1>\n');
    });
  });
});

describe('added fields (--header, --cache-control, config "headers")', () => {
  withSite(
    {
      addedFields: [
        { prefix: '/', fields: [['X-Frame-Options', 'DENY'], ['Cache-Control', 'no-cache']] },
        { prefix: '/assets/', fields: [['Cache-Control', 'max-age=31536000, immutable']] },
      ],
    },
    (server) => {
      test('every successful answer carries the fields for its path', async () => {
        const page = await fetchOne(server.port, request('GET', '/about.html'));
        assert.equal(page.get('x-frame-options'), 'DENY');
        assert.deepEqual(page.getAll('cache-control'), ['no-cache']);
        const asset = await fetchOne(server.port, request('GET', '/assets/app.js'));
        assert.deepEqual(asset.getAll('cache-control'), ['no-cache', 'max-age=31536000, immutable']);
      });

      test('304 and redirects carry them too; error pages do not', async () => {
        const page = await fetchOne(server.port, request('GET', '/about.html'));
        const notModified = await fetchOne(server.port, request('GET', '/about.html', [`If-None-Match: ${page.get('etag')}`]));
        assert.equal(notModified.status, 304);
        assert.equal(notModified.get('x-frame-options'), 'DENY');
        const redirect = await fetchOne(server.port, request('GET', '/docs'));
        assert.equal(redirect.status, 301);
        assert.equal(redirect.get('x-frame-options'), 'DENY');
        const missing = await fetchOne(server.port, request('GET', '/nope'));
        assert.equal(missing.status, 404);
        assert.equal(missing.get('x-frame-options'), undefined);
        assert.equal(missing.get('cache-control'), undefined);
      });
    },
  );
});
