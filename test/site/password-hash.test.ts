/**
 * Basic password hashes as Apache's htpasswd writes them (docs/serve.md, authentication):
 * parsing, MD5-crypt against lines htpasswd and openssl generated, bcrypt on its thread, the
 * stand-in for unknown users, and the cache of verified passwords.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bcryptChecksStarted } from '../../src/site/auth/bcrypt-thread.js';
import { md5Crypt } from '../../src/site/auth/md5-crypt.js';
import { parsePasswordHash, passwordMatches, standInFor, type PasswordHash } from '../../src/site/auth/password-hash.js';
import { VerifiedPasswords } from '../../src/site/auth/verified-passwords.js';
import { FIXED_LINES } from '../helpers/htpasswd-lines.js';

function parsed(text: string): PasswordHash {
  const hash = parsePasswordHash(text);
  assert.notEqual(typeof hash, 'string', String(hash));
  return hash as PasswordHash;
}

describe('password hashes', () => {
  test('MD5-crypt matches htpasswd -m and openssl passwd -1 byte for byte', () => {
    assert.equal(md5Crypt(FIXED_LINES.apr1.password, 'MwYGGM6i', '$apr1$'), FIXED_LINES.apr1.hash);
    assert.equal(md5Crypt(FIXED_LINES.md5crypt.password, '8chrsalt', '$1$'), FIXED_LINES.md5crypt.hash);
  });

  for (const [name, { password, hash }] of Object.entries(FIXED_LINES)) {
    test(`${name}: the right password matches, a wrong one does not`, async () => {
      const stored = parsed(hash);
      assert.equal(await passwordMatches(stored, password), true);
      assert.equal(await passwordMatches(stored, `${password}x`), false);
      assert.equal(await passwordMatches(stored, ''), false);
    });
  }

  const refused: Array<[string, RegExp]> = [
    ['plaintext', /no format porta reads/],
    ['abJnggxhB/yWI', /no format porta reads/], // crypt(3) DES, htpasswd -d
    ['$5$salt$Zg4tlz0Ab9.h2x0yfuwdFZtD9S2Q7Tiz1tHnUOaaaW/', /no format porta reads/],
    ['$2y$05$short', /bcrypt/],
    ['$2y$15$oghXr.u./37faOqdE.c.xOCyxv9sJhUY2VSsqdsufmrHaeotwLFaS', /cost 15/],
    ['$2x$05$oghXr.u./37faOqdE.c.xOCyxv9sJhUY2VSsqdsufmrHaeotwLFaS', /bcrypt/],
    ['{SHA}abc', /\{SHA\}/],
    ['$apr1$toolongsalt$caidRnbv.rsiYEiZxDGh7/', /salt/],
  ];
  for (const [text, problem] of refused) {
    test(`refuses ${text}`, () => {
      const answer = parsePasswordHash(text);
      assert.equal(typeof answer, 'string');
      assert.match(answer as string, problem);
      assert.ok(!(answer as string).includes('\n'), 'one line');
    });
  }

  test('the stand-in costs what the costliest line costs and matches nothing', async () => {
    const standIn = standInFor([parsed(FIXED_LINES.md5hex.hash), parsed(FIXED_LINES.bcrypt2y.hash), parsed(FIXED_LINES.apr1.hash), parsed(FIXED_LINES.bcrypt2b.hash)]);
    assert.equal(standIn.kind, 'bcrypt');
    assert.equal((standIn as { cost: number }).cost, 5);
    const before = bcryptChecksStarted();
    assert.equal(await passwordMatches(standIn, 'wonderland'), false);
    assert.equal(bcryptChecksStarted(), before + 1, 'a real bcrypt check was made');
    assert.equal(standInFor([parsed(FIXED_LINES.apr1.hash), parsed(FIXED_LINES.sha1.hash)]).kind, 'md5-crypt');
    assert.equal(standInFor([parsed(FIXED_LINES.sha1.hash)]).kind, 'md5-hex');
  });

  test('bcrypt runs on another thread: timers keep firing during a check', async () => {
    const stored = parsed('$2y$11$oghXr.u./37faOqdE.c.xOCyxv9sJhUY2VSsqdsufmrHaeotwLFaS');
    let ticks = 0;
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 2);
    const started = performance.now();
    try {
      await passwordMatches(stored, 'wonderland');
    } finally {
      clearInterval(timer);
    }
    const took = performance.now() - started;
    // At cost 11 a check takes 100+ ms of CPU; on the event loop it would be one long gap.
    assert.ok(took > 40, `a cost-11 check took ${took.toFixed(0)} ms`);
    assert.ok(ticks >= 5 && longestGap < took * 0.8, `${ticks} ticks, longest gap ${longestGap.toFixed(0)} ms of ${took.toFixed(0)} ms`);
  });
});

describe('verified passwords', () => {
  test('a success is remembered, a failure is not; the least recently used goes first', async () => {
    const cache = new VerifiedPasswords(2);
    let checks = 0;
    const yes = (): boolean => (checks++, true);
    const no = (): boolean => (checks++, false);
    const a = VerifiedPasswords.key('h', 'alice', 'pw');
    const b = VerifiedPasswords.key('h', 'bob', 'pw');
    const c = VerifiedPasswords.key('h', 'carol', 'pw');
    assert.notEqual(VerifiedPasswords.key('h', 'alice', 'pw'), VerifiedPasswords.key('other line', 'alice', 'pw'));
    assert.equal(await cache.matches(a, yes), true);
    assert.equal(await cache.matches(a, yes), true);
    assert.equal(checks, 1);
    assert.equal(await cache.matches(b, no), false);
    assert.equal(await cache.matches(b, no), false);
    assert.equal(checks, 3);
    await cache.matches(b, yes); // b remembered now: a, b
    await cache.matches(a, yes); // a used last: b, a
    await cache.matches(c, yes); // full: b goes
    assert.equal(cache.size, 2);
    checks = 0;
    await cache.matches(a, yes);
    await cache.matches(c, yes);
    assert.equal(checks, 0);
    await cache.matches(b, yes);
    assert.equal(checks, 1);
  });

  test('checks of the same key running at once are one check', async () => {
    const cache = new VerifiedPasswords();
    let checks = 0;
    let release: (value: boolean) => void = () => undefined;
    const slow = (): Promise<boolean> => {
      checks++;
      return new Promise((resolve) => (release = resolve));
    };
    const key = VerifiedPasswords.key('h', 'alice', 'pw');
    const answers = [cache.matches(key, slow), cache.matches(key, slow), cache.matches(key, slow)];
    release(true);
    assert.deepEqual(await Promise.all(answers), [true, true, true]);
    assert.equal(checks, 1);
  });
});
