/**
 * chooseCoding (src/site/compression/accept-encoding.ts): the content coding for an
 * Accept-Encoding value, by examples from RFC 9110 section 12.5.3 and by properties over
 * generated headers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { chooseCoding, CodingChooser, type ContentCoding } from '../../src/site/compression/accept-encoding.js';

const BOTH: readonly ContentCoding[] = ['br', 'gzip'];

describe('chooseCoding', () => {
  test('examples', () => {
    const cases: Array<[string | undefined, ContentCoding | undefined]> = [
      [undefined, undefined],
      ['', undefined],
      ['gzip', 'gzip'],
      ['gzip, deflate, br', 'br'],
      ['gzip;q=1, br;q=0.5', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
      ['*', 'br'],
      ['*;q=0', undefined],
      ['*;q=0.5, identity', undefined],
      ['identity;q=0.5, gzip;q=0.5', 'gzip'],
      ['identity, gzip;q=0.4', undefined],
      ['deflate, compress', undefined],
      ['GZIP', 'gzip'],
      ['x-gzip', 'gzip'],
      ['gzip;q=abc', 'gzip'],
      ['gzip;q=0.000', undefined],
      [',,gzip,,', 'gzip'],
    ];
    for (const [header, expected] of cases) assert.equal(chooseCoding(header, BOTH), expected, JSON.stringify(header));
    assert.equal(chooseCoding('gzip, br', ['gzip']), 'gzip');
    assert.equal(chooseCoding('br', ['gzip']), undefined);
  });

  const entry = fc.record({
    name: fc.constantFrom('gzip', 'br', 'identity', '*', 'deflate', 'zstd', 'x-gzip'),
    q: fc.option(fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000), { nil: undefined }),
  });
  const header = fc.array(entry, { maxLength: 6 });
  const render = (entries: ReadonlyArray<{ name: string; q: number | undefined }>): string =>
    entries.map(({ name, q }) => (q === undefined ? name : `${name};q=${q.toFixed(3)}`)).join(', ');

  test('never a coding the client gave q=0 (or did not list, without *), never one not offered', () => {
    fc.assert(
      fc.property(header, fc.subarray([...BOTH], { minLength: 1 }), (entries, offered) => {
        const chosen = chooseCoding(render(entries), offered);
        if (chosen === undefined) return;
        assert.ok(offered.includes(chosen));
        const own = entries.find((e) => (e.name === 'x-gzip' ? 'gzip' : e.name) === chosen);
        const star = entries.find((e) => e.name === '*');
        const q = own !== undefined ? (own.q ?? 1) : star !== undefined ? (star.q ?? 1) : 0;
        assert.ok(q > 0, `chose ${chosen} with q=${q} from ${render(entries)}`);
      }),
    );
  });

  test('the chosen coding has the highest q on offer', () => {
    fc.assert(
      fc.property(header, (entries) => {
        const chosen = chooseCoding(render(entries), BOTH);
        if (chosen === undefined) return;
        const qOf = (coding: string): number => {
          const own = entries.find((e) => (e.name === 'x-gzip' ? 'gzip' : e.name) === coding);
          const star = entries.find((e) => e.name === '*');
          return own !== undefined ? (own.q ?? 1) : star !== undefined ? (star.q ?? 1) : 0;
        };
        for (const other of BOTH) assert.ok(qOf(chosen) >= qOf(other));
      }),
    );
  });

  test('the memoising chooser agrees with chooseCoding, and stays bounded', () => {
    const chooser = new CodingChooser(BOTH, 8);
    fc.assert(
      fc.property(header, (entries) => {
        const value = render(entries);
        assert.equal(chooser.choose(value), chooseCoding(value, BOTH));
        assert.equal(chooser.choose(value), chooseCoding(value, BOTH));
      }),
    );
  });
});
