/**
 * The fixed-seed fuzz run that is part of `npm test`: 10,000 mutated requests against a live
 * porta (see engine.ts for what is checked). `npm run fuzz -- --seed N --count M` runs the same
 * engine with any seed and count; a failing input is saved under test/fuzz/failures/ with the
 * command that replays it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeReport, runFuzz } from './engine.js';

const SEED = 8;
const COUNT = 10_000;

test(`fuzz: ${COUNT} mutated requests (seed ${SEED}) are all answered in well-framed responses, every connection closes in time, porta never fails`, { timeout: 180_000 }, async (t) => {
  // Many connections at once: a quarter of the inputs leave theirs open and wait for a time-out.
  const report = await runFuzz({ seed: SEED, count: COUNT, concurrency: 192 });
  for (const line of describeReport(report)) t.diagnostic(line);
  assert.equal(report.done, COUNT, 'every input was sent');
  // The run must have met the server in many states, or it proves little.
  assert.ok(report.responses > COUNT / 2, `only ${report.responses} responses`);
  for (const status of [200, 206, 304, 400, 404, 408, 413, 431, 501]) assert.ok((report.statuses.get(status) ?? 0) > 0, `no ${status} was seen`);
  const shown = report.failures.slice(0, 10).map((f) => `${f.index === undefined ? 'run' : `input ${f.index}`}: ${f.problem}${f.saved ? ` (saved: ${f.saved})` : ''}`);
  assert.deepEqual(shown, [], `fuzz failures:\n${shown.join('\n')}`);
});
