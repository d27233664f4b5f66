import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { eventually } from '../helpers/eventually.js';
import { BatchWriter } from '../../src/log/batch-writer.js';

/** For writers that must not fail: the error is kept and checked by the test. */
const errors: unknown[] = [];
const unexpected = (error: unknown) => void errors.push(error);
test.afterEach(() => assert.deepEqual(errors.splice(0), []));

test('lines written in one turn go out as one batch, in order', async () => {
  const batches: string[] = [];
  const writer = new BatchWriter(async (text) => void batches.push(text), unexpected);
  writer.write('a\n');
  writer.write('b\n');
  assert.deepEqual(batches, []); // nothing is written synchronously
  await writer.flush();
  assert.deepEqual(batches, ['a\nb\n']);
});

test('one write in flight at a time; order is kept and flush waits for it', async () => {
  const batches: string[] = [];
  let inFlight = 0;
  const writer = new BatchWriter(async (text) => {
    inFlight++;
    assert.equal(inFlight, 1);
    // Completes on a later turn, so the producer below writes while a batch is in flight.
    await nextTurn();
    batches.push(text);
    inFlight--;
  }, unexpected);
  for (let i = 0; i < 5000; i++) {
    writer.write(`${i} ${'x'.repeat(40)}\n`);
    if (i % 1000 === 0) await nextTurn();
  }
  await writer.flush();
  const lines = batches.join('').split('\n').slice(0, -1);
  assert.equal(lines.length, 5000);
  assert.ok(lines.every((line, i) => line.startsWith(`${i} `)));
  assert.ok(batches.length > 1);
});

test('flush waits only for what was written before it', async () => {
  const release: Array<() => void> = [];
  const writer = new BatchWriter((_text) => new Promise<void>((resolve) => release.push(resolve)), unexpected);
  writer.write('first\n');
  const flushed = writer.flush();
  writer.write('second\n');
  let done = false;
  void flushed.then(() => (done = true));
  // Whatever could settle the flush without the output finishing has run by the next turn.
  await nextTurn();
  assert.equal(done, false);
  release.shift()!();
  await flushed;
  assert.equal(done, true);
  const all = writer.flush();
  await eventually(() => release.length > 0, 'the second batch to be handed to the output');
  release.shift()!();
  await all;
});

test('a failing output is reported, the batch dropped, and later lines still go out', async () => {
  const failures: unknown[] = [];
  const written: string[] = [];
  let fail = true;
  const writer = new BatchWriter(async (text) => {
    if (fail) throw new Error('ENOSPC');
    written.push(text);
  }, (error) => {
    failures.push(error);
    throw new Error('a reporter that throws must not break the writer');
  });
  writer.write('lost\n');
  await writer.flush();
  fail = false;
  writer.write('kept\n');
  await writer.flush();
  assert.equal(failures.length, 1);
  assert.deepEqual(written, ['kept\n']);
});

test('flush with nothing pending resolves at once', async () => {
  const writer = new BatchWriter(async () => unexpected(new Error('no output expected')), unexpected);
  await writer.flush();
});
