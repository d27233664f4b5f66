/**
 * Digest replay defence (RFC 7616 section 3.4, docs/serve.md, authentication): a full
 * nonce-count table forgets without re-opening a used nonce, and one user
 * burning nonces costs another user at most a retry; a captured request is not accepted again
 * after a reload; every refused request's user name is logged. (Several workers:
 * test/wire/digest-workers.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { NonceCounts } from '../../src/site/auth/nonce-counts.js';
import { NONCE_LIFETIME_MS } from '../../src/site/auth/nonces.js';
import { digestControlFile, digestField, parseChallenge } from '../helpers/auth-client.js';
import { makeTempSite, startPorta as startInProcess, type TempSite } from '../helpers/porta-server.js';
import { fetchOne, RawConnection, request, type ParsedResponse } from '../helpers/raw-client.js';
import { startPorta } from '../helpers/spawn-porta.js';

const T = { timeout: 30_000 };
const CONTROL = 'WeMustProtectThisHouse!';
const PAGE = '/team/page.txt';
const PAGE_BODY = 'team page\n';

describe('nonce-count table', () => {
  test('a user burning far more nonces than the table holds never re-opens a used one (theirs or another user\'s)', () => {
    const counts = new NonceCounts({ maxNonces: 8, maxPerUser: 8, maxMarks: 2 });
    let now = 1_000_000;
    assert.equal(counts.accept('bob', 'b1', 1, now, now), true);
    assert.equal(counts.accept('alice', 'a1', 1, now, now), true);
    for (let i = 0; i < 1000; i++) {
      now++;
      assert.equal(counts.accept('alice', `burn${i}`, 1, now, now), true, 'a fresh nonce is always accepted');
    }
    assert.ok(counts.size <= 8);
    assert.equal(counts.accept('bob', 'b1', 1, 1_000_000, now), false, "bob's captured request stays used");
    assert.equal(counts.accept('alice', 'a1', 1, 1_000_000, now), false, "alice's own captured request stays used");
    assert.equal(counts.accept('alice', 'burn0', 1, 1_000_001, now), false);
    now++;
    assert.equal(counts.accept('bob', 'b2', 1, now, now), true, 'bob gets in again with a new nonce');
  });

  test("one user's share is bounded: burning nonces does not push out another user's live nonce", () => {
    const counts = new NonceCounts({ maxNonces: 8, maxPerUser: 3, maxMarks: 8 });
    let now = 2_000_000;
    assert.equal(counts.accept('bob', 'b1', 1, now, now), true);
    for (let i = 0; i < 500; i++) {
      now++;
      assert.equal(counts.accept('alice', `burn${i}`, 1, now, now), true);
    }
    assert.equal(counts.accept('bob', 'b1', 2, 2_000_000, now), true, "bob's nonce is still counted");
    assert.equal(counts.accept('bob', 'b1', 2, 2_000_000, now), false);
  });

  test('any sequence of uses: each (user, nonce, count) is accepted at most once, and a just-issued nonce always starts', () => {
    const users = ['u0', 'u1', 'u2', 'u3'];
    const op = fc.record({
      user: fc.constantFrom(...users),
      fresh: fc.boolean(),
      pick: fc.nat(),
      count: fc.integer({ min: 1, max: 4 }),
      advance: fc.integer({ min: 0, max: NONCE_LIFETIME_MS / 4 }),
    });
    fc.assert(
      fc.property(fc.record({ maxNonces: fc.integer({ min: 1, max: 6 }), maxPerUser: fc.integer({ min: 1, max: 6 }), maxMarks: fc.integer({ min: 1, max: 3 }) }), fc.array(op, { maxLength: 300 }), (limits, ops) => {
        const counts = new NonceCounts(limits);
        const issued: Array<{ nonce: string; issuedAt: number }> = [];
        const accepted = new Set<string>();
        let now = 10_000_000;
        for (const { user, fresh, pick, count, advance } of ops) {
          now += advance + 1;
          if (fresh || issued.length === 0) {
            const nonce = `n${issued.length}`;
            issued.push({ nonce, issuedAt: now });
            assert.equal(counts.accept(user, nonce, 1, now, now), true, 'a just-issued nonce starts at 1');
            accepted.add(`${user}/${nonce}/1`);
            continue;
          }
          const { nonce, issuedAt } = issued[pick % issued.length] as { nonce: string; issuedAt: number };
          // The lifetime is checked before the table is asked (verify.ts); an expired nonce never gets here.
          if (now - issuedAt > NONCE_LIFETIME_MS) continue;
          if (counts.accept(user, nonce, count, issuedAt, now)) {
            // A replay keeps the user name: the response hash binds it (RFC 7616 section 3.4.1).
            const key = `${user}/${nonce}/${count}`;
            assert.ok(!accepted.has(key), `${key} accepted twice`);
            accepted.add(key);
          }
          assert.ok(counts.size <= limits.maxNonces);
        }
      }),
      { numRuns: 300 },
    );
  });
});

async function digestSite(): Promise<TempSite> {
  return makeTempSite({ 'team/page.txt': PAGE_BODY, [`team/${CONTROL}`]: digestControlFile('Team', { carol: 'secret' }) });
}

/** Sends one request on a fresh connection. */
function send(port: number, fields: readonly string[] = []): Promise<ParsedResponse> {
  return fetchOne(port, request('GET', PAGE, fields), { timeoutMs: 5000 });
}

/**
 * A request with nc=1 on a fresh nonce, accepted once: what an eavesdropper captures. The
 * challenge and the answer share a connection, so one process issues and counts the nonce.
 */
async function capturedRequest(port: number): Promise<string> {
  const conn = await RawConnection.open(port);
  try {
    conn.write(request('GET', PAGE));
    const [refused] = await conn.waitForResponses(1, { timeoutMs: 5000 });
    assert.equal(refused?.status, 401);
    const { field } = digestField({ challenge: parseChallenge(refused?.get('www-authenticate') ?? ''), user: 'carol', password: 'secret', method: 'GET', uri: PAGE, nc: 1 });
    conn.write(request('GET', PAGE, [field]));
    const [, first] = await conn.waitForResponses(2, { timeoutMs: 5000 });
    assert.equal(first?.status, 200, 'the original request');
    assert.equal(first?.text, PAGE_BODY);
    return field;
  } finally {
    conn.destroy();
  }
}

describe('porta serve: Digest replay after a reload', () => {
  test('a request captured before SIGHUP is not accepted again after it', T, async () => {
    const site = await digestSite();
    const running = startPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off'], { timeoutMs: 30_000 });
    try {
      const local = await running.waitForStderr(/Local:\s+http:\/\/127\.0\.0\.1:(\d+)\/\n/, 15_000);
      const port = Number(local[1]);
      const captured = await capturedRequest(port);
      running.child.kill('SIGHUP');
      await running.waitForStderr(/porta: reloaded the configuration\n/, 15_000);
      const replay = await send(port, [captured]);
      assert.equal(replay.status, 401, 'the replay after the reload');
      assert.equal(parseChallenge(replay.get('www-authenticate') ?? '').stale, 'true');
    } finally {
      await running.stop();
      await site.cleanup();
    }
  });
});

describe('access log of refused Digest requests', () => {
  test('every 401 to credentials names the user that was tried, escaped: wrong password, wrong realm or algorithm, replay', T, async () => {
    const site = await digestSite();
    const porta = await startInProcess({ root: site.root });
    try {
      const refused = await send(porta.port);
      const challenge = parseChallenge(refused.get('www-authenticate') ?? '');
      const attempt = (user: string, password: string, extra: Partial<{ realm: string; nc: number }> = {}): string =>
        digestField({ challenge, user, password, method: 'GET', uri: PAGE, nc: extra.nc ?? 1, ...(extra.realm === undefined ? {} : { realm: extra.realm }) }).field;
      const tries: Array<{ field: string; user: string }> = [
        { field: attempt('carol', 'guess'), user: 'carol' },
        { field: attempt('dave', 'secret', { realm: 'Other realm' }), user: 'dave' },
        { field: attempt('erin', 'secret').replace('algorithm=MD5', 'algorithm=SHA-256'), user: 'erin' },
        // A name with a quote (escaped in the quoted-string) and a byte above ASCII.
        { field: attempt('mal\\"lory\xe9', 'guess'), user: 'mal\\"lory\\xe9' },
      ];
      // As bytes: the name's \xe9 goes on the wire as one byte (obs-text).
      for (const { field } of tries) assert.equal((await fetchOne(porta.port, Buffer.from(request('GET', PAGE, [field]), 'latin1'))).status, 401);
      // The right password on a nonce used up: a replay, answered stale=true, logged under its user.
      const good = attempt('carol', 'secret');
      assert.equal((await send(porta.port, [good])).status, 200);
      const replay = await send(porta.port, [good]);
      assert.equal(parseChallenge(replay.get('www-authenticate') ?? '').stale, 'true');

      const lines = await porta.waitForLog(tries.length + 3);
      assert.match(lines[0] ?? '', /^127\.0\.0\.1 - - \[.*" 401 /, 'no credentials: no user');
      assert.deepEqual(
        lines.slice(1).map((line) => [line.split(' ')[2], /" (\d{3}) /.exec(line)?.[1]]),
        [...tries.map(({ user }) => [user, '401']), ['carol', '200'], ['carol', '401']],
      );
      assert.ok(!lines.join('\n').includes('guess'));
    } finally {
      await porta.close();
      await site.cleanup();
    }
  });
});
