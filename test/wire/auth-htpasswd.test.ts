/**
 * Apache password files for Basic authentication (docs/serve.md, authentication): lines in
 * every format `htpasswd` writes (bcrypt, MD5-crypt, {SHA}) and the original MD5 hex, used
 * by a client over a real socket; a bcrypt check does not hold up other requests, and a
 * browser's repeated credentials cost one check; a line in an unknown format refuses its
 * folder with one report.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { bcryptChecksStarted } from '../../src/site/auth/bcrypt-thread.js';
import { basicField } from '../helpers/auth-client.js';
import { eventually } from '../helpers/eventually.js';
import { FIXED_LINES } from '../helpers/htpasswd-lines.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { assertErrorPage, fetchOne, RawConnection, request } from '../helpers/raw-client.js';

const T = { timeout: 20_000 };
const CONTROL = 'WeMustProtectThisHouse!';

/** `htpasswd -nb FLAG user password`'s line, or undefined when htpasswd (apache2-utils) is missing. */
function htpasswd(flag: string, user: string, password: string): string | undefined {
  try {
    return execFileSync('htpasswd', ['-nb', flag, user, password], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const LIVE = { B: 'bcrypt by htpasswd', m: 'apr1 by htpasswd', s: 'sha by htpasswd' } as const;
const liveLines = Object.entries(LIVE).map(([flag, password]) => htpasswd(`-${flag}`, `live-${flag}`, password));
const noHtpasswd = liveLines.includes(undefined) ? 'htpasswd (apache2-utils) is not installed; the fixed lines above cover the same formats' : false;

const SLOW_HASH = bcrypt.hashSync('slow password', 12);

describe('Apache password files', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    const fixed = Object.entries(FIXED_LINES).map(([user, { hash }]) => `${user}:${hash}`);
    site = await makeTempSite({
      'public.txt': 'for everyone\n',
      'apache/page.txt': 'apache page\n',
      [`apache/${CONTROL}`]: ['authorization-type=Basic', 'realm="Apache"', ...fixed, `slow:${SLOW_HASH}`, `cached:${bcrypt.hashSync('cached pw', 4)}`, ''].join('\n'),
      'live/page.txt': 'live page\n',
      [`live/${CONTROL}`]: ['authorization-type=Basic', 'realm="Live"', ...liveLines.filter((line) => line !== undefined), ''].join('\n'),
      'unknown/page.txt': 'never served\n',
      [`unknown/${CONTROL}`]: 'authorization-type=Basic\nrealm="Old"\nalice:abJnggxhB/yWI\n',
    });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  const get = (path: string, fields: readonly string[] = []) => fetchOne(porta.port, request('GET', path, fields), { timeoutMs: 10_000 });

  for (const [user, { password }] of Object.entries(FIXED_LINES)) {
    test(`${user} (a fixed line): the right password is 200, a wrong one 401`, T, async () => {
      const ok = await get('/apache/page.txt', [basicField(user, password)]);
      assert.equal(ok.status, 200, ok.head);
      assert.equal(ok.text, 'apache page\n');
      const wrong = await get('/apache/page.txt', [basicField(user, `${password}!`)]);
      assert.equal(wrong.status, 401);
      assert.equal(wrong.get('www-authenticate'), 'Basic realm="Apache"');
    });
  }

  test('an unknown user is 401 like a wrong password, and the access log names the user tried', T, async () => {
    const res = await get('/apache/page.txt', [basicField('mallory', 'wonderland')]);
    assert.equal(res.status, 401);
    const lines = await porta.waitForLog(1);
    assert.ok(lines.some((line) => / - mallory \[.* 401 /.test(line)), lines.join('\n'));
  });

  test('lines written by the real htpasswd -B, -m and -s', { ...T, skip: noHtpasswd }, async () => {
    for (const [flag, password] of Object.entries(LIVE)) {
      assert.equal((await get('/live/page.txt', [basicField(`live-${flag}`, password)])).status, 200, `htpasswd -${flag}`);
      assert.equal((await get('/live/page.txt', [basicField(`live-${flag}`, 'wrong')])).status, 401, `htpasswd -${flag}`);
    }
  });

  test("a browser's repeated credentials cost one bcrypt check", T, async () => {
    const before = bcryptChecksStarted();
    for (let i = 0; i < 5; i++) assert.equal((await get('/apache/page.txt', [basicField('cached', 'cached pw')])).status, 200);
    assert.equal(bcryptChecksStarted() - before, 1);
  });

  test('other requests are answered while bcrypt checks run', T, async () => {
    const before = bcryptChecksStarted();
    const slow = await Promise.all([1, 2, 3].map(() => RawConnection.open(porta.port)));
    try {
      const answered: string[] = [];
      const waits = slow.map((connection, i) => {
        // Wrong passwords, each different: nothing to share or remember, three full checks.
        connection.write(request('GET', '/apache/page.txt', [basicField('slow', `guess ${i}`)]));
        return connection.waitForResponses(1, { timeoutMs: 15_000 }).then(([res]) => answered.push(`slow ${res?.status}`));
      });
      await eventually(() => bcryptChecksStarted() - before >= 1, 'a bcrypt check to start');
      const open = await get('/public.txt');
      answered.push(`public ${open.status}`);
      await Promise.all(waits);
      // Three cost-12 checks take most of a second of CPU on the bcrypt thread.
      assert.equal(answered[0], 'public 200', answered.join(', '));
      assert.deepEqual(answered.slice(1), ['slow 401', 'slow 401', 'slow 401']);
    } finally {
      for (const connection of slow) connection.destroy();
    }
  });

  test('a line in an unknown format refuses its folder, reported once in one line', T, async () => {
    for (let i = 0; i < 3; i++) {
      const res = await get('/unknown/page.txt', [basicField('alice', 'pw')]);
      assertErrorPage(res, 500);
      assert.ok(!res.text.includes('never served'));
    }
    const reports = porta.internalErrors.map(String).filter((e) => e.includes(`unknown/${CONTROL}`));
    assert.equal(reports.length, 1, reports.join('\n'));
    assert.match(reports[0] as string, new RegExp(`unknown/${CONTROL}:3: the password hash is in no format porta reads \\(MD5 hex, bcrypt`));
    assert.ok(!(reports[0] as string).includes('\n'));
  });
});
