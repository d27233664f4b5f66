/**
 * A folder of 20,000 files over a real socket: its listing is complete and correct and goes
 * out in bounded pieces as it is made; a small request made meanwhile is answered before
 * the listing ends; negotiation and 404s there use the cached names; and a file added to the
 * folder shows in the next listing and negotiation once the folder's stat has been checked.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { fetchOne, RawConnection, request, type ParsedResponse } from '../helpers/raw-client.js';

const T = { timeout: 60_000 };
const FILES = 20_000;
const FOLDERS = ['sub-a', 'sub-b', 'sub-c'];

const fileName = (i: number): string => `f${String(i).padStart(5, '0')}.txt`;
/** Sizes 0..49 bytes, so each row's size is checked. */
const sizeOf = (i: number): number => i % 50;

/** [text, size] of every row after the parent link, in order. */
function rows(html: string): Array<[string, string]> {
  const pattern = /<tr><td><a href="[^"]*">([^<]*)<\/a><\/td><td class="size">([^<]*)<\/td><td>[^<]*<\/td><\/tr>/g;
  return [...html.matchAll(pattern)].map((m): [string, string] => [m[1] as string, m[2] as string]).filter(([text]) => text !== '../');
}

function expectedRows(extra: ReadonlyArray<[string, number]> = []): Array<[string, string]> {
  const files: Array<[string, number]> = [['page.html.de', 4], ['page.html.en', 4], ...extra];
  for (let i = 0; i < FILES; i++) files.push([fileName(i), sizeOf(i)]);
  files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [...FOLDERS.map((name): [string, string] => [`${name}/`, '-']), ...files.map(([name, size]): [string, string] => [name, String(size)])];
}

describe('a folder of 20,000 files', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({ 'small.txt': 'small\n', 'big/page.html.en': 'Hi!\n', 'big/page.html.de': 'Hallo'.slice(0, 4) });
    await site.add(Object.fromEntries(FOLDERS.map((name) => [`big/${name}`, { dir: true }])));
    const big = site.path('big');
    for (let start = 0; start < FILES; start += 500) {
      const batch: Promise<void>[] = [];
      for (let i = start; i < Math.min(FILES, start + 500); i++) batch.push(writeFile(join(big, fileName(i)), 'x'.repeat(sizeOf(i))));
      await Promise.all(batch);
    }
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta?.close();
    await site?.cleanup();
  });

  const get = (path: string, fields: readonly string[] = [], version = 'HTTP/1.1'): Promise<ParsedResponse> =>
    fetchOne(porta.port, request('GET', path, fields, version), { timeoutMs: 30_000 });

  test('the listing is complete and correct, sent chunked in pieces of at most 64 KiB', T, async () => {
    const res = await get('/big/');
    assert.equal(res.status, 200);
    assert.equal(res.framing, 'chunked');
    assert.deepEqual(rows(res.text), expectedRows());
    assert.match(res.text, /<\/html>\n$/);
    assert.ok(res.chunkSizes.length > 10, `${res.chunkSizes.length} chunks: made as it is sent, not whole first`);
    assert.ok(Math.max(...res.chunkSizes) <= 64 * 1024, `largest chunk ${Math.max(...res.chunkSizes)} bytes`);
  });

  test('to an HTTP/1.0 client it is the same page, delimited by the close', T, async () => {
    const res = await get('/big/', [], 'HTTP/1.0');
    assert.equal(res.status, 200);
    assert.equal(res.framing, 'close');
    assert.deepEqual(rows(res.text), expectedRows());
  });

  test('a small request made while the listing is sent is answered before the listing ends', T, async () => {
    const listing = await RawConnection.open(porta.port);
    try {
      const order: string[] = [];
      const firstBytes = new Promise((resolve) => listing.socket.once('data', resolve));
      listing.write(request('GET', '/big/'));
      const whole = listing.waitForResponses(1, { timeoutMs: 30_000 }).then((responses) => {
        order.push('listing');
        return responses[0] as ParsedResponse;
      });
      // The listing has begun to arrive: it is being made now.
      await firstBytes;
      const small = get('/small.txt').then((res) => {
        order.push('small');
        return res;
      });
      const [listed, answered] = await Promise.all([whole, small]);
      assert.equal(answered.status, 200);
      assert.equal(answered.text, 'small\n');
      assert.equal(rows(listed.text).length, expectedRows().length);
      assert.deepEqual(order, ['small', 'listing']);
    } finally {
      listing.destroy();
    }
  });

  test('negotiation and missing names there are answered from the cached names', T, async () => {
    const chosen = await get('/big/page.html', ['Accept-Language: de']);
    assert.equal(chosen.status, 200);
    assert.equal(chosen.get('content-location'), 'page.html.de');
    assert.equal(chosen.text, 'Hall');
    const list = await get('/big/page.html', ['Accept-Language: fr']);
    assert.equal(list.status, 406);
    const misses = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`/big/missing-${i}`)));
    assert.deepEqual(
      misses.map((res) => res.status),
      misses.map(() => 404),
    );
  });

  test('a file added to the folder shows in the next listing and negotiation', T, async () => {
    assert.equal((await get('/big/added', ['Accept-Language: en'])).status, 404);
    await writeFile(join(site.path('big'), 'added.html.en'), 'new!\n');
    // Seen once the folder's stat has been checked again (at most the freshness bound later).
    await eventually(async () => (await get('/big/added', ['Accept-Language: en'])).status === 200, 'the new variant to be chosen');
    const res = await get('/big/');
    assert.deepEqual(rows(res.text), expectedRows([['added.html.en', 5]]));
  });
});
