/**
 * The deadline sweeper acts on at most MAX_EXPIRIES_PER_TICK passed deadlines per tick, so
 * thousands of connections timing out together are closed over several ticks rather than
 * in one burst that stalls everyone else; it judges deadlines by its own clock.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeadlineSweeper, MAX_EXPIRIES_PER_TICK, type HasDeadline } from '../../src/http/deadline-sweeper.js';

describe('DeadlineSweeper', () => {
  test('thousands of passed deadlines are acted on over several ticks, each exactly once', () => {
    let now = 1_000_000;
    const sweeper = new DeadlineSweeper({ clock: () => now });
    const fired: number[] = [];
    const total = MAX_EXPIRIES_PER_TICK * 4 + 10;
    const members: HasDeadline[] = Array.from({ length: total }, (_, i) => ({
      deadline: now + 5_000,
      onDeadline: () => {
        fired.push(i);
        sweeper.delete(members[i] as HasDeadline);
      },
    }));
    for (const member of members) sweeper.add(member);
    sweeper.sweep();
    assert.equal(fired.length, 0, 'nothing before the deadline');
    now += 5_000;
    const perTick: number[] = [];
    while (fired.length < total && perTick.length < 100) {
      const before = fired.length;
      sweeper.sweep();
      perTick.push(fired.length - before);
    }
    assert.deepEqual(perTick, [MAX_EXPIRIES_PER_TICK, MAX_EXPIRIES_PER_TICK, MAX_EXPIRIES_PER_TICK, MAX_EXPIRIES_PER_TICK, 10]);
    assert.equal(new Set(fired).size, total, 'each once');
    sweeper.sweep();
    assert.equal(fired.length, total, 'nothing fires twice');
  });

  test('a deadline moved later is not acted on at the old time', () => {
    let now = 0;
    const sweeper = new DeadlineSweeper({ clock: () => now });
    let fired = 0;
    const member: HasDeadline = { deadline: 100, onDeadline: () => fired++ };
    sweeper.add(member);
    member.deadline = 300;
    now = 200;
    sweeper.sweep();
    assert.equal(fired, 0);
    now = 300;
    sweeper.sweep();
    assert.equal(fired, 1);
    sweeper.delete(member);
  });
});
