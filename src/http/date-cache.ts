/**
 * The Date field value (RFC 9110 section 6.6.1, IMF-fixdate), formatted at most once per
 * second however many responses go out in it.
 */
let cachedSecond = -1;
let cachedValue = '';

/** The second (since the epoch) the Date field currently names. */
export function currentDateSecond(now = Date.now()): number {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) currentHttpDate(now);
  return second;
}

export function currentHttpDate(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    // toUTCString() produces exactly the IMF-fixdate form: 'Sun, 06 Nov 1994 08:49:37 GMT'.
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}
