/**
 * Tests of the site's plan without sockets: the order documented in docs/design.md is the
 * code's, the guard running before everything that says something about a resource, the selected
 * representation's fields on every status (200, 206, 304, 412, 416), descriptors of streamed
 * files always let go, and the cached path answering synchronously.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { HttpRequest } from '../../src/http/handler.js';
import { parseRequestHead } from '../../src/http/head-parser.js';
import { DEFAULT_LIMITS } from '../../src/http/limits.js';
import { NO_BODY } from '../../src/http/request-body.js';
import type { HttpResponse } from '../../src/http/response.js';
import { makeSiteConfig, type SiteConfig } from '../../src/site/config.js';
import { DEFAULT_CGI_SETTINGS } from '../../src/site/handlers/cgi.js';
import type { Handler } from '../../src/site/handlers/handler.js';
import type { Stage } from '../../src/site/stage.js';
import { SITE_PLAN, type SitePlan } from '../../src/site/stages.js';
import { buildRepresentation } from '../../src/site/representation.js';
import { createSiteHandler } from '../../src/site/site.js';
import { makeTempSite, type TempSite } from '../helpers/porta-server.js';
import { eventually } from '../helpers/eventually.js';

function requestFor(head: string): HttpRequest {
  const buf = Buffer.from(head, 'latin1');
  const parsed = parseRequestHead(buf, 0, buf.length, DEFAULT_LIMITS);
  return { ...parsed, body: NO_BODY, peer: { remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 }, receivedAt: Date.now() };
}

const req = (method: string, path: string, ...fields: string[]): HttpRequest =>
  requestFor(`${method} ${path} HTTP/1.1\r\nHost: t\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`);

function fieldsOf(response: HttpResponse): Array<readonly [string, string]> {
  return [...response.headers, ...(response.sharedFields ?? [])];
}

const names = (list: readonly { readonly name: string }[]): string[] => list.map((item) => item.name);

const field = (response: HttpResponse, name: string): string | undefined => fieldsOf(response).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

describe('site pipeline', () => {
  let site: TempSite;
  let config: SiteConfig;

  before(async () => {
    site = await makeTempSite({
      'page.html': '<p>page</p>\n',
      'big.bin': Buffer.alloc(300 * 1024, 7),
      'docs/index.html': '<p>docs</p>\n',
    });
    config = makeSiteConfig({ root: site.root, reportError: () => undefined, cgi: DEFAULT_CGI_SETTINGS, compression: [] });
  });

  after(() => site.cleanup());

  test('docs/design.md shows the order the code runs', () => {
    const design = readFileSync(new URL('../../../docs/design.md', import.meta.url), 'utf8');
    const line = (label: string): string => {
      const found = design.split('\n').find((text) => text.trimStart().startsWith(`${label}:`));
      assert.ok(found !== undefined, `docs/design.md has a "${label}:" line`);
      return found.slice(found.indexOf(':') + 1).trim();
    };
    assert.deepEqual(line('map').split(' -> '), names(SITE_PLAN.map));
    assert.deepEqual(line('guard').split(' -> '), names(SITE_PLAN.guard));
    assert.deepEqual(line('filters').split(', '), names(SITE_PLAN.filters));
    const handlers = [...[...SITE_PLAN.byMethod].map(([method, handler]) => `${method} ${handler.name}`), ...Object.entries(SITE_PLAN.byResource).map(([kind, handler]) => `${kind} ${handler.name}`)];
    assert.deepEqual(line('handler').replace('else by resource: ', '').split(', '), handlers);
  });

  test('the guard runs before permission, TRACE/OPTIONS, negotiation answers and every handler', async () => {
    const ran: string[] = [];
    const refuse: Stage = { name: 'auth', run: () => ({ status: 401, headers: [['WWW-Authenticate', 'Basic realm="t"']], body: { kind: 'none' } }) };
    const record = (stage: Stage): Stage => ({ name: stage.name, run: (ctx) => (ran.push(stage.name), stage.run(ctx)) });
    const recordHandler = <H extends Handler<never>>(handler: H): H => ({ ...handler, handle: (ctx: never, resource: never) => (ran.push(`handler ${handler.name}`), handler.handle(ctx, resource)) });
    const plan: SitePlan = {
      ...SITE_PLAN,
      map: SITE_PLAN.map.map(record),
      guard: SITE_PLAN.guard.map((stage) => (stage.name === 'auth' ? refuse : record(stage))),
      byMethod: new Map([...SITE_PLAN.byMethod].map(([method, handler]) => [method, recordHandler(handler)])),
      byResource: Object.fromEntries(Object.entries(SITE_PLAN.byResource).map(([kind, handler]) => [kind, recordHandler(handler)])) as unknown as SitePlan['byResource'],
    };
    const handle = createSiteHandler(config, plan);
    const requests = [
      req('GET', '/page.html'),
      req('HEAD', '/page.html'),
      req('OPTIONS', '/page.html'),
      req('TRACE', '/page.html'),
      req('PUT', '/page.html', 'Content-Length: 0'),
      req('DELETE', '/page.html'),
      req('POST', '/page.html', 'Content-Length: 0'),
      req('GET', '/page.html', 'If-None-Match: *'),
      req('GET', '/page.html', 'Range: bytes=999-'),
      req('GET', '/missing'),
      req('GET', '/page', 'Accept: image/png'),
    ];
    for (const request of requests) {
      ran.length = 0;
      const response = await handle(request);
      assert.equal(response.status, 401, request.requestLine);
      assert.deepEqual(ran, names(SITE_PLAN.map), `${request.requestLine}: the map ran, then nothing after auth`);
    }
  });

  test('a selected representation\'s fields go out with 200, 206, 304, 412 and 416', async () => {
    const negotiate: Stage = {
      name: 'negotiate',
      run(ctx) {
        ctx.variant = {
          represent: (file) =>
            buildRepresentation(file.contentType, { ...file.validators, etag: '"v;1"' }, file.representation, [['ETag', '"v;1"']], [
              ['Vary', 'accept-language'],
              ['Content-Location', 'page.html'],
            ]),
        };
        return undefined;
      },
    };
    const handle = createSiteHandler(config, { ...SITE_PLAN, map: SITE_PLAN.map.map((stage) => (stage.name === 'negotiate' ? negotiate : stage)) });
    const cases: Array<[HttpRequest, number]> = [
      [req('GET', '/page.html'), 200],
      [req('GET', '/page.html', 'Range: bytes=0-2'), 206],
      [req('GET', '/page.html', 'If-None-Match: "v;1"'), 304],
      [req('GET', '/page.html', 'If-Match: "other"'), 412],
      [req('GET', '/page.html', 'Range: bytes=9999-'), 416],
      [req('GET', '/big.bin', 'If-None-Match: "v;1"'), 304],
      [req('GET', '/big.bin', 'Range: bytes=0-9'), 206],
    ];
    for (const [request, status] of cases) {
      const response = await handle(request);
      assert.equal(response.status, status, request.rawHead);
      assert.equal(field(response, 'Vary'), 'accept-language', `${status}: Vary`);
      assert.equal(field(response, 'Content-Location'), 'page.html', `${status}: Content-Location`);
      if (status !== 412) assert.equal(field(response, 'ETag'), '"v;1"', `${status}: the variant's ETag`);
      if (response.body.kind === 'stream') response.body.release?.();
    }
  });

  test('a streamed file\'s descriptor is let go by every answer that does not send it', async () => {
    const handle = createSiteHandler(config);
    const openFds = (): number => readdirSync('/proc/self/fd').length;
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      for (const request of [req('GET', '/big.bin', 'If-None-Match: *'), req('GET', '/big.bin', 'Range: bytes=999999999-'), req('GET', '/big.bin', 'If-Match: "no"')]) {
        const response = await handle(request);
        assert.notEqual(response.body.kind, 'stream', request.rawHead);
      }
      const full = await handle(req('HEAD', '/big.bin'));
      assert.equal(full.body.kind, 'stream');
      if (full.body.kind === 'stream') full.body.release?.();
    }
    // Descriptors are closed asynchronously once released.
    await eventually(() => openFds() <= before + 1, `descriptors back to ${before} (+1)`).catch(() => undefined);
    assert.ok(openFds() <= before + 1, `descriptors before ${before}, after ${openFds()}`);
  });

  test('a cached file and a cached directory index are answered synchronously', async () => {
    const handle = createSiteHandler(config);
    await handle(req('GET', '/page.html'));
    await handle(req('GET', '/docs/'));
    const file = handle(req('GET', '/page.html'));
    const index = handle(req('GET', '/docs/'));
    assert.ok(!(file instanceof Promise), 'file: no promise');
    assert.ok(!(index instanceof Promise), 'index: no promise');
    assert.equal((index as HttpResponse).status, 200);
  });
});
