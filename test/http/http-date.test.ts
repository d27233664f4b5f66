import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatHttpDate, fullYearOfTwoDigitYear, parseHttpDate } from '../../src/http/http-date.js';

const EXAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37);
const NOW = new Date(Date.UTC(2025, 5, 1));

function parsedTime(text: string, now: Date = NOW): number | undefined {
  return parseHttpDate(text, now)?.getTime();
}

describe('formatHttpDate (RFC 9110 5.6.7 IMF-fixdate)', () => {
  it('formats the RFC example', () => {
    assert.equal(formatHttpDate(new Date(EXAMPLE)), 'Sun, 06 Nov 1994 08:49:37 GMT');
  });

  it('drops milliseconds', () => {
    assert.equal(formatHttpDate(new Date(EXAMPLE + 999)), 'Sun, 06 Nov 1994 08:49:37 GMT');
  });

  it('pads small years to four digits', () => {
    const date = new Date(0);
    date.setUTCFullYear(5, 0, 1);
    assert.equal(formatHttpDate(date), 'Sat, 01 Jan 0005 00:00:00 GMT');
  });

  it('refuses an invalid date and years IMF-fixdate cannot express', () => {
    assert.throws(() => formatHttpDate(new Date(Number.NaN)), RangeError);
    assert.throws(() => formatHttpDate(new Date(Date.UTC(10000, 0, 1))), RangeError);
  });

  it('agrees with Date.prototype.toUTCString for years 1970-9999', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        assert.equal(formatHttpDate(date), date.toUTCString());
      }),
    );
  });
});

describe('parseHttpDate (RFC 9110 5.6.7)', () => {
  it('parses IMF-fixdate', () => {
    assert.equal(parsedTime('Sun, 06 Nov 1994 08:49:37 GMT'), EXAMPLE);
  });

  it('parses the obsolete RFC 850 form', () => {
    assert.equal(parsedTime('Sunday, 06-Nov-94 08:49:37 GMT'), EXAMPLE);
    assert.equal(parsedTime('Wednesday, 09-Nov-94 08:49:37 GMT'), Date.UTC(1994, 10, 9, 8, 49, 37));
  });

  it('parses the obsolete asctime form, with a space-padded or two-digit day', () => {
    assert.equal(parsedTime('Sun Nov  6 08:49:37 1994'), EXAMPLE);
    assert.equal(parsedTime('Sun Nov 06 08:49:37 1994'), EXAMPLE);
    assert.equal(parsedTime('Wed Nov 16 08:49:37 1994'), Date.UTC(1994, 10, 16, 8, 49, 37));
  });

  it('reads a two-digit year more than 50 years ahead as the most recent past one', () => {
    // Now is 2025: 75 -> 2075 (50 years ahead, kept), 76 -> 1976, 24 -> 2024.
    assert.equal(parsedTime('Monday, 01-Jan-75 00:00:00 GMT'), Date.UTC(2075, 0, 1));
    assert.equal(parsedTime('Thursday, 01-Jan-76 00:00:00 GMT'), Date.UTC(1976, 0, 1));
    assert.equal(parsedTime('Monday, 01-Jan-24 00:00:00 GMT'), Date.UTC(2024, 0, 1));
    assert.equal(fullYearOfTwoDigitYear(1, 2099), 2101);
    assert.equal(fullYearOfTwoDigitYear(99, 2000), 1999);
  });

  it('tolerates surrounding OWS', () => {
    assert.equal(parsedTime(' \tSun, 06 Nov 1994 08:49:37 GMT  '), EXAMPLE);
  });

  it('accepts a leap second as the first second of the next minute', () => {
    assert.equal(parsedTime('Sat, 31 Dec 2016 23:59:60 GMT'), Date.UTC(2017, 0, 1));
  });

  it('accepts 29 February only in leap years', () => {
    assert.equal(parsedTime('Thu, 29 Feb 2024 00:00:00 GMT'), Date.UTC(2024, 1, 29));
    assert.equal(parsedTime('Tue, 29 Feb 2000 00:00:00 GMT'), Date.UTC(2000, 1, 29));
    assert.equal(parsedTime('Thu, 29 Feb 2100 00:00:00 GMT'), undefined);
    assert.equal(parsedTime('Wed, 29 Feb 2023 00:00:00 GMT'), undefined);
  });

  for (const bad of [
    '',
    'Sun, 06 Nov 1994 08:49:37 GMTx',
    'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 06 Nov 1994 08:49:37 gmt',
    'sun, 06 Nov 1994 08:49:37 GMT',
    'Sun, 06 nov 1994 08:49:37 GMT',
    'Xyz, 06 Nov 1994 08:49:37 GMT',
    'Sun, 32 Oct 1994 08:49:37 GMT',
    'Sun, 31 Nov 1994 08:49:37 GMT',
    'Sun, 00 Nov 1994 08:49:37 GMT',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 25:00:00 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:60:00 GMT',
    'Sun, 06 Nov 1994 08:49:61 GMT',
    'Sun, 6 Nov 1994 08:49:37 GMT ',
    'Sun, 06 Nov 94 08:49:37 GMT',
    'Sun,  6 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08.49.37 GMT',
    'Sun, 06 Nov +994 08:49:37 GMT',
    'Sun, 06-Nov-94 08:49:37 GMT',
    'Sun, 06 Nov 1994 8:49:37 GMT',
    'Sundae, 06-Nov-94 08:49:37 GMT',
    'Sunday, 06-Nov-1994 08:49:37 GMT',
    'Sunday, 06 Nov 94 08:49:37 GMT',
    'Sunday, 06-Nov-94 08:49:37 GMT x',
    'Sunday,06-Nov-94 08:49:37 GMT ',
    'Sun Nov  6 08:49:37 94  ',
    'Sun Nov 6 08:49:37 1994 ',
    'Sun Nov  x 08:49:37 1994',
    'Sun Nov  6 08:49:37 1994x',
    'Sunday Nov  6 08:49:37 1994',
    '1994-11-06T08:49:37Z',
    '784111777',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.equal(parseHttpDate(bad, NOW), undefined);
    });
  }

  it('round-trips formatHttpDate for any date in 1970-9999 (to the second)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
        const seconds = Math.floor(date.getTime() / 1000) * 1000;
        assert.equal(parseHttpDate(formatHttpDate(date))?.getTime(), seconds);
      }),
    );
  });

  it('parses the asctime and RFC 850 renderings of any date to the same instant', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const longDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
    const pad = (n: number): string => String(n).padStart(2, '0');
    fc.assert(
      fc.property(fc.date({ min: new Date('1976-01-01T00:00:00Z'), max: new Date('2075-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        const expected = Math.floor(date.getTime() / 1000) * 1000;
        const imf = formatHttpDate(date);
        const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
        const month = months[date.getUTCMonth()];
        const asctime = `${imf.slice(0, 3)} ${month} ${String(date.getUTCDate()).padStart(2, ' ')} ${time} ${date.getUTCFullYear()}`;
        const rfc850 = `${longDays[date.getUTCDay()]}, ${pad(date.getUTCDate())}-${month}-${pad(date.getUTCFullYear() % 100)} ${time} GMT`;
        assert.equal(parsedTime(asctime), expected);
        assert.equal(parsedTime(rfc850), expected); // the window around 2025 is 1976-2075
      }),
    );
  });

  it('never throws and only returns whole-second valid dates', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const date = parseHttpDate(text, NOW);
        if (date !== undefined) {
          assert.ok(Number.isFinite(date.getTime()));
          assert.equal(date.getTime() % 1000, 0);
        }
      }),
    );
  });
});
