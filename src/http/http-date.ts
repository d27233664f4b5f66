/**
 * HTTP-date (RFC 9110 section 5.6.7): formatting as IMF-fixdate and strict parsing of the
 * three accepted forms. Hand-written rather than Date.parse, whose leniency would accept
 * values the grammar forbids (and whose behaviour is implementation-defined).
 *
 *   IMF-fixdate   Sun, 06 Nov 1994 08:49:37 GMT
 *   rfc850-date   Sunday, 06-Nov-94 08:49:37 GMT   (obsolete)
 *   asctime-date  Sun Nov  6 08:49:37 1994          (obsolete)
 *
 * HTTP-date is case-sensitive (5.6.7), so names must match exactly. The day name must be a
 * valid name but is not checked against the date: it is redundant, and RFC 9110 gives no
 * rule for a mismatch (Go and nginx ignore it too).
 */
import { trimOws } from './syntax.js';

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const LONG_DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** '00'..'99', so formatting allocates only the result string. */
const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, n) => (n < 10 ? `0${n}` : `${n}`));

const MS_PER_SECOND = 1000;
const SECONDS_PER_DAY = 86_400;
const DIGIT_0 = 0x30;
const SPACE = 0x20;

/**
 * Formats a date as IMF-fixdate (RFC 9110 5.6.7), the only form a sender may generate.
 * Milliseconds are dropped. Throws RangeError for an invalid date or a year outside
 * 0000-9999, which IMF-fixdate's 4DIGIT year cannot express.
 */
export function formatHttpDate(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) throw new RangeError('HTTP-date needs a year in 0000-9999');
  const yearText = year >= 1000 ? `${year}` : `000${year}`.slice(-4);
  return (
    `${DAY_NAMES[date.getUTCDay()]}, ${TWO_DIGITS[date.getUTCDate()]} ${MONTH_NAMES[date.getUTCMonth()]} ` +
    `${yearText} ${TWO_DIGITS[date.getUTCHours()]}:${TWO_DIGITS[date.getUTCMinutes()]}:` +
    `${TWO_DIGITS[date.getUTCSeconds()]} GMT`
  );
}

/**
 * Parses an HTTP-date in any of its three forms (RFC 9110 5.6.7). Returns undefined for
 * anything else, including trailing text, an impossible day of the month or time of day.
 * Surrounding spaces/tabs are tolerated (they are OWS around a field value, not part of it).
 * `now` anchors the two-digit year of rfc850-date; it defaults to the current time.
 */
export function parseHttpDate(text: string, now?: Date): Date | undefined {
  const value = trimOws(text);
  // The three forms have disjoint lengths: 29, 24 and 30-33 characters.
  if (value.length === 29) return parseImfFixdate(value);
  if (value.length === 24) return parseAsctimeDate(value);
  if (value.length >= 30 && value.length <= 33) return parseRfc850Date(value, now ?? new Date());
  return undefined;
}

/** IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT; date1 = 2DIGIT SP month SP 4DIGIT. */
function parseImfFixdate(s: string): Date | undefined {
  if (!isShortDayName(s, 0) || !s.startsWith(', ', 3) || s.charCodeAt(7) !== SPACE) return undefined;
  if (s.charCodeAt(11) !== SPACE || s.charCodeAt(16) !== SPACE || !s.endsWith(' GMT')) return undefined;
  const day = twoDigits(s, 5);
  const month = monthIndex(s, 8);
  const year = fourDigits(s, 12);
  return buildDate(year, month, day, s, 17);
}

/** rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT; date2 = 2DIGIT "-" month "-" 2DIGIT. */
function parseRfc850Date(s: string, now: Date): Date | undefined {
  const comma = s.indexOf(',');
  if (comma < 0 || !LONG_DAY_NAMES.includes(s.slice(0, comma))) return undefined;
  const d = comma + 2; // start of date2
  if (s.charCodeAt(comma + 1) !== SPACE || s.length !== d + 22) return undefined;
  if (s[d + 2] !== '-' || s[d + 6] !== '-' || s.charCodeAt(d + 9) !== SPACE || !s.endsWith(' GMT')) return undefined;
  const day = twoDigits(s, d);
  const month = monthIndex(s, d + 3);
  const shortYear = twoDigits(s, d + 7);
  if (shortYear < 0) return undefined;
  return buildDate(fullYearOfTwoDigitYear(shortYear, now.getUTCFullYear()), month, day, s, d + 10);
}

/** asctime-date = day-name SP date3 SP time-of-day SP year; date3 = month SP ( 2DIGIT / ( SP DIGIT ) ). */
function parseAsctimeDate(s: string): Date | undefined {
  if (!isShortDayName(s, 0) || s.charCodeAt(3) !== SPACE || s.charCodeAt(7) !== SPACE) return undefined;
  if (s.charCodeAt(10) !== SPACE || s.charCodeAt(19) !== SPACE) return undefined;
  const month = monthIndex(s, 4);
  const day = s.charCodeAt(8) === SPACE ? digitAt(s, 9) : twoDigits(s, 8);
  const year = fourDigits(s, 20);
  return buildDate(year, month, day, s, 11);
}

/**
 * RFC 9110 5.6.7: an rfc850-date that appears more than 50 years in the future means the most
 * recent past year with the same last two digits. So the year lies in (now - 50, now + 50].
 */
export function fullYearOfTwoDigitYear(shortYear: number, currentYear: number): number {
  let year = currentYear - (currentYear % 100) + shortYear;
  if (year > currentYear + 50) year -= 100;
  else if (year <= currentYear - 50) year += 100;
  return year;
}

/** Validates the parsed fields and the time-of-day at `timeAt` ("HH:MM:SS"), then builds the Date. */
function buildDate(year: number, month: number, day: number, s: string, timeAt: number): Date | undefined {
  if (year < 0 || month < 0 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (s[timeAt + 2] !== ':' || s[timeAt + 5] !== ':') return undefined;
  const hour = twoDigits(s, timeAt);
  const minute = twoDigits(s, timeAt + 3);
  const second = twoDigits(s, timeAt + 6);
  // time-of-day (5.6.7): hour 00-23, minute 00-59, second 00-60 (60 only for a leap second,
  // which POSIX time cannot represent: it counts as the first second of the next minute).
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  const seconds = daysSinceEpoch(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  return new Date(seconds * MS_PER_SECOND);
}

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysSinceEpoch(year: number, monthIndex0: number, day: number): number {
  const month = monthIndex0 + 1;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, monthIndex0: number): number {
  if (monthIndex0 === 1) return isLeapYear(year) ? 29 : 28;
  return monthIndex0 === 3 || monthIndex0 === 5 || monthIndex0 === 8 || monthIndex0 === 10 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function isShortDayName(s: string, at: number): boolean {
  const name = s.slice(at, at + 3);
  return (DAY_NAMES as readonly string[]).includes(name);
}

/** Index 0-11 of the month name at `at`, or -1. */
function monthIndex(s: string, at: number): number {
  return (MONTH_NAMES as readonly string[]).indexOf(s.slice(at, at + 3));
}

/** Value of the digit at `at`, or -1 when it is not an ASCII digit. */
function digitAt(s: string, at: number): number {
  const d = s.charCodeAt(at) - DIGIT_0;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Value of two ASCII digits at `at`, or -1. */
function twoDigits(s: string, at: number): number {
  const tens = digitAt(s, at);
  const ones = digitAt(s, at + 1);
  return tens < 0 || ones < 0 ? -1 : tens * 10 + ones;
}

/** Value of four ASCII digits at `at`, or -1. */
function fourDigits(s: string, at: number): number {
  const high = twoDigits(s, at);
  const low = twoDigits(s, at + 2);
  return high < 0 || low < 0 ? -1 : high * 100 + low;
}


