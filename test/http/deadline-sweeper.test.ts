/**
 * The deadline sweeper acts on at most MAX_EXPIRIES_PER_TICK passed deadlines per tick, so
 * thousands of connections timing out together are closed over several ticks rather than
 * in one burst that stalls everyone else.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeadlineSweeper, MAX_EXPIRIES_PER_TICK, type HasDeadline } from '../../src/http/deadline-sweeper.js';
import { eventually } from '../helpers/eventually.js';

describe('DeadlineSweeper', () => {
  test('thousands of passed deadlines are acted on over several ticks, each exactly once', { timeout: 10_000 }, async () => {
    const sweeper = new DeadlineSweeper();
    const fired: number[] = [];
    const ticks: number[] = [];
    const total = MAX_EXPIRIES_PER_TICK * 4 + 10;
    const members: HasDeadline[] = Array.from({ length: total }, (_, i) => ({
      deadline: Date.now() - 1,
      onDeadline: () => {
        fired.push(i);
        sweeper.delete(members[i] as HasDeadline);
      },
    }));
    for (const member of members) sweeper.add(member);
    // Keep the event loop alive: the sweeper's own timer does not.
    const guard = setInterval(() => ticks.push(fired.length), 20);
    try {
      await eventually(() => fired.length >= total, `all ${total} deadlines to fire`);
    } finally {
      clearInterval(guard);
    }
    assert.equal(new Set(fired).size, total, 'each once');
    const increments = ticks.map((n, i) => n - (ticks[i - 1] ?? 0)).filter((d) => d > 0);
    assert.ok(increments.every((d) => d <= MAX_EXPIRIES_PER_TICK), `at most ${MAX_EXPIRIES_PER_TICK} at a time: ${increments.join(', ')}`);
    assert.ok(increments.length >= 4, 'spread over several ticks');
  });
});
