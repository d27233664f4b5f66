import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { contentRangeValue, evaluateRange, MAX_RANGES, unsatisfiedRangeValue } from '../../src/site/range.js';
import type { RangeOutcome } from '../../src/site/range.js';

const SIZE = 1000;

function partial(...pairs: [number, number][]): RangeOutcome {
  return { kind: 'partial', ranges: pairs.map(([start, end]) => ({ start, end })) };
}

const FULL: RangeOutcome = { kind: 'full' };
const UNSATISFIABLE: RangeOutcome = { kind: 'unsatisfiable' };

describe('evaluateRange: the three range forms (RFC 9110 14.1.2)', () => {
  it('int-range a-b', () => {
    assert.deepEqual(evaluateRange('bytes=0-99', SIZE), partial([0, 99]));
    assert.deepEqual(evaluateRange('bytes=5-5', SIZE), partial([5, 5]));
  });

  it('clamps last-pos to size - 1', () => {
    assert.deepEqual(evaluateRange('bytes=900-5000', SIZE), partial([900, 999]));
  });

  it('open int-range a-', () => {
    assert.deepEqual(evaluateRange('bytes=990-', SIZE), partial([990, 999]));
    assert.deepEqual(evaluateRange('bytes=0-', SIZE), partial([0, 999]));
  });

  it('suffix-range -n, at most the whole representation', () => {
    assert.deepEqual(evaluateRange('bytes=-10', SIZE), partial([990, 999]));
    assert.deepEqual(evaluateRange('bytes=-5000', SIZE), partial([0, 999]));
  });
});

describe('evaluateRange: when to ignore Range and send 200 (RFC 9110 14.2)', () => {
  it('without a Range field', () => {
    assert.deepEqual(evaluateRange(undefined, SIZE), FULL);
  });

  it('for a unit other than bytes', () => {
    assert.deepEqual(evaluateRange('items=0-5', SIZE), FULL);
    assert.deepEqual(evaluateRange('bytesx=0-5', SIZE), FULL);
  });

  it('compares the unit case-insensitively (14.1)', () => {
    assert.deepEqual(evaluateRange('BYTES=0-0', SIZE), partial([0, 0]));
  });

  for (const invalid of [
    'bytes',
    'bytes=',
    'bytes=,',
    'bytes= , ',
    'bytes=abc',
    'bytes=5',
    'bytes=-',
    'bytes=1-2-3',
    'bytes=10-5',
    'bytes=0-5,10-5',
    'bytes=0-5,x',
    'bytes=+1-5',
    'bytes=0x10-20',
    'bytes=1 -5',
    'bytes=1- 5',
    'bytes =0-5',
    'bytes=0-1;2-3',
    'bytes=1000000000000000-',
    'bytes=-1000000000000000',
    'bytes=0-9999999999999999',
  ]) {
    it(`for the invalid specifier ${JSON.stringify(invalid)}`, () => {
      assert.deepEqual(evaluateRange(invalid, SIZE), FULL);
    });
  }

  it('accepts 15-digit positions', () => {
    assert.deepEqual(evaluateRange('bytes=0-999999999999999', SIZE), partial([0, 999]));
    assert.deepEqual(evaluateRange('bytes=999999999999999-', SIZE), UNSATISFIABLE);
  });
});

describe('evaluateRange: satisfiability (RFC 9110 14.1.1, 15.5.17)', () => {
  it('a first-pos at or past the end is unsatisfiable', () => {
    assert.deepEqual(evaluateRange('bytes=1000-', SIZE), UNSATISFIABLE);
    assert.deepEqual(evaluateRange('bytes=1000-2000', SIZE), UNSATISFIABLE);
  });

  it('-0 is unsatisfiable', () => {
    assert.deepEqual(evaluateRange('bytes=-0', SIZE), UNSATISFIABLE);
  });

  it('keeps only the satisfiable ranges when there is at least one', () => {
    assert.deepEqual(evaluateRange('bytes=5000-6000, 0-9, -0', SIZE), partial([0, 9]));
  });

  it('nothing is satisfiable in an empty representation', () => {
    for (const field of ['bytes=0-', 'bytes=0-0', 'bytes=-5', 'bytes=-0']) {
      assert.deepEqual(evaluateRange(field, 0), UNSATISFIABLE, field);
    }
  });

  it('an invalid specifier on an empty representation is still ignored', () => {
    assert.deepEqual(evaluateRange('bytes=x', 0), FULL);
  });
});

describe('evaluateRange: lists and coalescing (RFC 9110 14.3)', () => {
  it('allows OWS around commas and empty elements', () => {
    assert.deepEqual(evaluateRange('bytes=0-9 ,\t 20-29, ,', SIZE), partial([0, 9], [20, 29]));
    assert.deepEqual(evaluateRange('bytes=,0-9', SIZE), partial([0, 9]));
  });

  it('returns the ranges in ascending order', () => {
    assert.deepEqual(evaluateRange('bytes=500-599,0-9,-10', SIZE), partial([0, 9], [500, 599], [990, 999]));
  });

  it('merges overlapping ranges', () => {
    assert.deepEqual(evaluateRange('bytes=0-99,50-149', SIZE), partial([0, 149]));
    assert.deepEqual(evaluateRange('bytes=0-999,10-20', SIZE), partial([0, 999]));
    assert.deepEqual(evaluateRange('bytes=0-,0-,0-', SIZE), partial([0, 999]));
  });

  it('merges adjacent ranges', () => {
    assert.deepEqual(evaluateRange('bytes=0-9,10-19', SIZE), partial([0, 19]));
    assert.deepEqual(evaluateRange('bytes=-500,0-499', SIZE), partial([0, 999]));
  });

  it(`sends the whole representation for more than ${MAX_RANGES} ranges after coalescing`, () => {
    const spread = (n: number): string => Array.from({ length: n }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
    const ok = evaluateRange(`bytes=${spread(MAX_RANGES)}`, SIZE);
    assert.equal(ok.kind === 'partial' ? ok.ranges.length : -1, MAX_RANGES);
    assert.deepEqual(evaluateRange(`bytes=${spread(MAX_RANGES + 1)}`, SIZE), FULL);
  });

  it('but many ranges that coalesce into few are fine', () => {
    const many = Array.from({ length: 500 }, (_, i) => `${i}-${i}`).join(',');
    assert.deepEqual(evaluateRange(`bytes=${many}`, SIZE), partial([0, 499]));
  });
});

describe('evaluateRange: properties', () => {
  const rangeSpec = fc.oneof(
    fc.tuple(fc.nat(3000), fc.option(fc.nat(3000), { nil: undefined })).map(([a, b]) =>
      b === undefined ? `${a}-` : `${Math.min(a, b)}-${Math.max(a, b)}`,
    ),
    fc.nat(3000).map((n) => `-${n}`),
  );
  const field = fc.array(rangeSpec, { minLength: 1, maxLength: 80 }).map((specs) => `bytes=${specs.join(', ')}`);

  it('never yields ranges outside [0, size - 1]; they are ascending, disjoint, non-adjacent and total <= size', () => {
    fc.assert(
      fc.property(field, fc.nat(2000), (rangeField, size) => {
        const outcome = evaluateRange(rangeField, size);
        if (outcome.kind !== 'partial') return;
        assert.ok(outcome.ranges.length >= 1 && outcome.ranges.length <= MAX_RANGES);
        let total = 0;
        let previousEnd = -2;
        for (const { start, end } of outcome.ranges) {
          assert.ok(start >= 0 && start <= end && end <= size - 1, `${start}-${end} of ${size}`);
          assert.ok(start > previousEnd + 1, 'ascending, disjoint and non-adjacent');
          previousEnd = end;
          total += end - start + 1;
        }
        assert.ok(total <= size);
      }),
    );
  });

  it('covers exactly the bytes the request selects (when it does not fall back to 200)', () => {
    fc.assert(
      fc.property(field, fc.integer({ min: 1, max: 300 }), (rangeField, size) => {
        const outcome = evaluateRange(rangeField, size);
        const wanted = new Set<number>();
        for (const spec of rangeField.slice('bytes='.length).split(', ')) {
          const [a, b] = spec.split('-');
          if (a === '') {
            for (let i = Math.max(0, size - Number(b)); i < size && Number(b) > 0; i++) wanted.add(i);
          } else {
            const last = b === '' ? size - 1 : Math.min(Number(b), size - 1);
            for (let i = Number(a); i <= last; i++) wanted.add(i);
          }
        }
        if (wanted.size === 0) {
          assert.deepEqual(outcome, UNSATISFIABLE);
          return;
        }
        if (outcome.kind === 'full') return; // refused: too many ranges
        assert.equal(outcome.kind, 'partial');
        const covered = new Set<number>();
        if (outcome.kind === 'partial') for (const r of outcome.ranges) for (let i = r.start; i <= r.end; i++) covered.add(i);
        assert.deepEqual([...covered].sort((x, y) => x - y), [...wanted].sort((x, y) => x - y));
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.nat(5000), (text, size) => {
        evaluateRange(`bytes=${text}`, size);
        evaluateRange(text, size);
      }),
    );
  });
});

describe('Content-Range values (RFC 9110 14.4)', () => {
  it('formats a satisfied range', () => {
    assert.equal(contentRangeValue({ start: 0, end: 99 }, 1000), 'bytes 0-99/1000');
  });

  it('formats an unsatisfied range', () => {
    assert.equal(unsatisfiedRangeValue(1000), 'bytes */1000');
  });
});
