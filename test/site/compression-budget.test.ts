/**
 * Compression's budget, in parts: the byte-budgeted LRU that keeps compressed copies, the
 * gate that bounds how many compressions run at once, and the two together (a request
 * whose client leaves while it waits compresses nothing).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { ByteBudgetLru } from '../../src/site/compression/byte-budget-lru.js';
import { CompressionBudget } from '../../src/site/compression/compression-budget.js';
import { CompressionGate, type ReleaseSlot } from '../../src/site/compression/compression-gate.js';
import { MAX_WINDOW_BITS, windowBitsFor } from '../../src/site/compression/encoders.js';

describe('ByteBudgetLru', () => {
  test('never holds more than its budget, whatever is added', () => {
    const lru = new ByteBudgetLru<Buffer>(10_000, (value) => value.length);
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      lru.set(`k${seed % 60}`, Buffer.alloc(seed % 3000));
      if (i % 3 === 0) lru.get(`k${(seed >> 3) % 60}`);
      assert.ok(lru.bytes <= 10_000, `${lru.bytes} bytes after ${i + 1} additions`);
    }
    assert.ok(lru.size > 0);
  });

  test('evicts the least recently used first; a read counts as a use', () => {
    const lru = new ByteBudgetLru<string>(30, (value) => value.length);
    lru.set('a', '0123456789');
    lru.set('b', '0123456789');
    lru.set('c', '0123456789');
    assert.equal(lru.get('a'), '0123456789');
    lru.set('d', '0123456789');
    assert.equal(lru.get('b'), undefined, 'b was the least recently used');
    assert.equal(lru.get('a'), '0123456789');
    assert.equal(lru.get('c'), '0123456789');
    assert.equal(lru.get('d'), '0123456789');
    assert.equal(lru.bytes, 30);
  });

  test('a value over the whole budget is not kept, and evicts nothing', () => {
    const lru = new ByteBudgetLru<string>(10, (value) => value.length);
    lru.set('small', 'abc');
    assert.equal(lru.set('huge', 'x'.repeat(11)), false);
    assert.equal(lru.get('huge'), undefined);
    assert.equal(lru.get('small'), 'abc');
    assert.equal(lru.bytes, 3);
  });

  test('replacing a key gives its old cost back', () => {
    const lru = new ByteBudgetLru<string>(100, (value) => value.length);
    lru.set('a', 'x'.repeat(60));
    lru.set('a', 'x'.repeat(50));
    assert.equal(lru.bytes, 50);
    assert.equal(lru.size, 1);
  });
});

describe('CompressionGate', () => {
  const limits = { concurrency: 2, queueLength: 2, maxWaitMs: 10_000 };

  test('runs at most `concurrency`, queues at most `queueLength`, refuses the rest at once', async () => {
    const gate = new CompressionGate(limits);
    const first = gate.enter() as ReleaseSlot;
    const second = gate.enter() as ReleaseSlot;
    assert.equal(typeof first, 'function');
    assert.equal(typeof second, 'function');
    const third = gate.enter();
    const fourth = gate.enter();
    assert.ok(third instanceof Promise && fourth instanceof Promise);
    assert.equal(gate.enter(), null, 'the queue is full');
    assert.deepEqual([gate.running, gate.queued], [2, 2]);
    first();
    first(); // twice: no slot given back twice
    const admitted = (await third) as ReleaseSlot;
    assert.deepEqual([gate.running, gate.queued], [2, 1]);
    second();
    admitted();
    ((await fourth) as ReleaseSlot)();
    assert.deepEqual([gate.running, gate.queued], [0, 0]);
  });

  test('a wait past maxWaitMs ends with no slot', async () => {
    const gate = new CompressionGate({ concurrency: 1, queueLength: 4, maxWaitMs: 20 });
    const held = gate.enter() as ReleaseSlot;
    assert.equal(await gate.enter(), null);
    assert.equal(gate.queued, 0);
    held();
    assert.equal(gate.running, 0);
  });

  test('a request whose client leaves while queued gets no slot, and the next one does', async () => {
    const gate = new CompressionGate({ concurrency: 1, queueLength: 4, maxWaitMs: 10_000 });
    const held = gate.enter() as ReleaseSlot;
    const client = new AbortController();
    const leaving = gate.enter(() => client.signal);
    const staying = gate.enter();
    client.abort();
    assert.equal(await leaving, null);
    assert.equal(gate.queued, 1);
    held();
    const next = (await staying) as ReleaseSlot;
    assert.equal(gate.running, 1);
    next();
    const gone = new AbortController();
    gone.abort();
    const blocker = gate.enter() as ReleaseSlot;
    assert.equal(gate.enter(() => gone.signal), null, 'a client already gone does not queue');
    blocker();
  });
});

describe('the budget together', () => {
  const body = Buffer.from('const porta = "compresses once per file version";\n'.repeat(200));

  test('a queued compression whose client leaves is never made; a waiting one is', async () => {
    const budget = new CompressionBudget({ concurrency: 1, queueLength: 4, maxWaitMs: 10_000 });
    const held = budget.gate.enter() as ReleaseSlot;
    const client = new AbortController();
    const left = budget.encoded('br:left', 'br', body, () => client.signal);
    const waited = budget.encoded('br:waited', 'br', body, () => new AbortController().signal);
    assert.ok(left instanceof Promise && waited instanceof Promise);
    client.abort();
    assert.equal(await left, undefined);
    held();
    const bytes = await waited;
    assert.ok(Buffer.isBuffer(bytes));
    assert.deepEqual(brotliDecompressSync(bytes), body);
    const state = budget.state();
    assert.equal(state.started, 1, 'only the compression whose client stayed was made');
    assert.equal(state.cachedEntries, 1);
    // Made once: the next request for it is answered from the cache, at once.
    assert.equal(budget.encoded('br:waited', 'br', body), bytes);
  });

  test('many requests for one file at once make one compression', async () => {
    const budget = new CompressionBudget();
    const all = await Promise.all(Array.from({ length: 20 }, () => budget.encoded('gzip:one', 'gzip', body)));
    assert.equal(budget.state().started, 1);
    assert.ok(all.every((bytes) => bytes === all[0]));
  });

  test('brotli window: the file size rounded up to a power of two, bounded', () => {
    assert.equal(windowBitsFor(2000), 16);
    assert.equal(windowBitsFor(250 * 1024), 18);
    assert.equal(windowBitsFor(256 * 1024), 19, '2^18 - 16 bytes is one short of 256 KiB');
    assert.equal(windowBitsFor(64 * 1024 * 1024), MAX_WINDOW_BITS);
  });
});
