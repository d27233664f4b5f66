/**
 * Compression's budget over a real socket: many clients asking at once for different files
 * all get the right bytes, some of them uncompressed (with Vary) because only a few
 * compressions run at once; a request that cannot get a compression in time is answered
 * as it is; a client that leaves while its compression waits costs nothing; the compressed
 * copies stay within their byte budget; and a changed file is never served from a stale copy.
 */
import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { CompressionBudget } from '../../src/site/compression/compression-budget.js';
import type { ReleaseSlot } from '../../src/site/compression/compression-gate.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, fetchOne, request, type ParsedResponse } from '../helpers/raw-client.js';
import { eventually } from '../helpers/eventually.js';

/** Script-like text of about `bytes` bytes, different for each `seed`, that compresses well. */
function script(seed: number, bytes: number): string {
  const lines: string[] = [];
  for (let i = 0, length = 0; length < bytes; i++) {
    const line = `export const value${seed}_${i} = compute(${(i * 7919 + seed * 104729) % 100_003}, 'porta ${seed}');\n`;
    lines.push(line);
    length += line.length;
  }
  return lines.join('').slice(0, bytes);
}

const WAVE = 60;
const wave = Array.from({ length: WAVE }, (_, i) => script(i, 200 * 1024));

/** The plain bytes an answer stands for, whatever its coding. */
function decoded(response: ParsedResponse): string {
  const coding = response.get('content-encoding');
  if (coding === 'br') return brotliDecompressSync(response.body).toString();
  if (coding === 'gzip') return gunzipSync(response.body).toString();
  assert.equal(coding, undefined);
  return response.text;
}

describe('compression budget', () => {
  let site: TempSite;
  let server: PortaServer;

  before(async () => {
    const entries: Record<string, string> = {};
    wave.forEach((text, i) => (entries[`wave/f${i}.js`] = text));
    for (let i = 0; i < 12; i++) entries[`budget/f${i}.js`] = script(100 + i, 100 * 1024);
    entries['one.js'] = script(200, 50 * 1024);
    entries['left.js'] = script(201, 50 * 1024);
    entries['full.js'] = script(202, 50 * 1024);
    entries['changing.js'] = script(203, 50 * 1024);
    site = await makeTempSite(entries);
    server = await startPorta({ root: site.root, compressionBudget: budget });
  });

  after(async () => {
    await server.close();
    await site.cleanup();
  });

  const get = (path: string, ...fields: string[]) => fetchOne(server.port, request('GET', path, fields), { timeoutMs: 10_000 });
  const budget = new CompressionBudget();

  /** A server of its own, with these limits, for one test. */
  async function withBudget(own: CompressionBudget, body: (get: (path: string, ...fields: string[]) => Promise<ParsedResponse>, port: number) => Promise<void>): Promise<void> {
    const alone = await startPorta({ root: site.root, compressionBudget: own });
    try {
      await body((path, ...fields) => fetchOne(alone.port, request('GET', path, fields), { timeoutMs: 10_000 }), alone.port);
      assert.deepEqual(alone.internalErrors, []);
    } finally {
      await alone.close();
    }
  }

  test(`${WAVE} clients at once for ${WAVE} different files: all 200 with the right bytes, beyond the limit uncompressed`, async () => {
    // The files are read into memory first, so the wave reaches compression all at once.
    await Promise.all(wave.map((_, i) => get(`/wave/f${i}.js`)));
    const answers = await Promise.all(wave.map((_, i) => get(`/wave/f${i}.js`, 'Accept-Encoding: br')));
    let coded = 0;
    answers.forEach((answer, i) => {
      assert.equal(answer.status, 200);
      assert.equal(answer.get('vary'), 'Accept-Encoding', `f${i}.js`);
      assert.equal(decoded(answer), wave[i], `f${i}.js`);
      if (answer.get('content-encoding') === 'br') coded++;
    });
    const { limits } = budget.state();
    assert.ok(coded >= 1, 'the first ones are compressed');
    assert.ok(coded < WAVE, `only ${limits.concurrency} compressions run at once and ${limits.queueLength} wait: the rest go uncompressed (${coded} of ${WAVE} were compressed)`);
    assert.ok(server.internalErrors.length === 0);
  });

  test('a request that waits past the deadline is answered uncompressed; once a slot is free it is compressed', async () => {
    const own = new CompressionBudget({ concurrency: 1, queueLength: 4, maxWaitMs: 50 });
    await withBudget(own, async (get) => {
      const held = own.gate.enter() as ReleaseSlot;
      const plain = await get('/one.js', 'Accept-Encoding: br');
      held();
      assert.equal(plain.status, 200);
      assert.equal(plain.get('content-encoding'), undefined);
      assert.equal(plain.get('vary'), 'Accept-Encoding');
      assert.equal(plain.text, script(200, 50 * 1024));
      const coded = await get('/one.js', 'Accept-Encoding: br');
      assert.equal(coded.get('content-encoding'), 'br');
      assert.equal(decoded(coded), script(200, 50 * 1024));
      assert.notEqual(coded.get('etag'), plain.get('etag'));
    });
  });

  test('when the queue is full the answer is uncompressed at once', async () => {
    const own = new CompressionBudget({ concurrency: 1, queueLength: 0, maxWaitMs: 10_000 });
    await withBudget(own, async (get) => {
      const held = own.gate.enter() as ReleaseSlot;
      try {
        const plain = await get('/full.js', 'Accept-Encoding: gzip');
        assert.equal(plain.get('content-encoding'), undefined);
        assert.equal(plain.get('vary'), 'Accept-Encoding');
        assert.equal(plain.text, script(202, 50 * 1024));
      } finally {
        held();
      }
    });
  });

  test('a client that leaves while its compression is queued: nothing is compressed', async () => {
    const own = new CompressionBudget({ concurrency: 1, queueLength: 4, maxWaitMs: 10_000 });
    await withBudget(own, async (get, port) => {
      await get('/left.js');
      const held = own.gate.enter() as ReleaseSlot;
      const connection = await RawConnection.open(port);
      try {
        connection.write(request('GET', '/left.js', ['Accept-Encoding: br']));
        await eventually(() => own.state().queued === 1, 'the request to queue');
        connection.socket.resetAndDestroy();
        await eventually(() => own.state().queued === 0, 'the request to leave the queue');
      } finally {
        held();
        connection.destroy();
      }
      const state = own.state();
      assert.equal(state.started, 0);
      assert.equal(state.cachedEntries, 0);
    });
  });

  test('the compressed copies never hold more than their budget', async () => {
    const bytes = 96 * 1024;
    const own = new CompressionBudget({}, bytes);
    await withBudget(own, async (get) => {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 12; i++) {
          const answer = await get(`/budget/f${i}.js`, 'Accept-Encoding: gzip');
          assert.equal(answer.get('content-encoding'), 'gzip');
          assert.equal(decoded(answer), script(100 + i, 100 * 1024));
          const { cachedBytes } = own.state();
          assert.ok(cachedBytes <= bytes, `${cachedBytes} bytes cached, budget ${bytes}`);
        }
      }
      const { cachedEntries, started } = own.state();
      assert.ok(cachedEntries < 12, `${cachedEntries} copies kept: older ones were evicted`);
      assert.ok(started > 12, 'evicted copies are made again when asked for');
    });
  });

  test('a changed file is never served from the copy of its old version', async () => {
    const first = await get('/changing.js', 'Accept-Encoding: br');
    assert.equal(decoded(first), script(203, 50 * 1024));
    // Same size, new content and mtime.
    const changed = script(204, 50 * 1024);
    await writeFile(site.path('changing.js'), changed);
    const later = new Date(Date.now() + 60_000);
    await utimes(site.path('changing.js'), later, later);
    // The server notices the change within its file cache's freshness window (1 s).
    const oldTag = first.get('etag');
    let latest = first;
    await eventually(async () => {
      latest = await get('/changing.js', 'Accept-Encoding: br');
      return latest.get('etag') !== oldTag;
    }, 'the new version to be served', 5000);
    assert.equal(latest.get('content-encoding'), 'br');
    assert.equal(decoded(latest), changed);
  });
});
