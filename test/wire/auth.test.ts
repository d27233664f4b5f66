/**
 * Basic and Digest authentication from per-directory control files (docs/serve.md, authentication), on
 * the wire, with Digest responses computed as a client computes them.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makeNonce, newIssuer } from '../../src/site/auth/nonces.js';
import { basicControlFile, basicField, digestControlFile, digestField, parseChallenge } from '../helpers/auth-client.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { assertErrorPage, fetchOne, rawExchange, RawConnection, request, type ParsedResponse } from '../helpers/raw-client.js';
import { eventually } from '../helpers/eventually.js';

const T = { timeout: 10_000 };
const CONTROL = 'WeMustProtectThisHouse!';
const SECRET = 'wire-test-secret';

describe('authentication', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      'public.txt': 'for everyone\n',
      'basic/secret.txt': 'basic secret\n',
      'basic/big.txt': 'x'.repeat(100),
      [`basic/${CONTROL}`]: basicControlFile('Basic Area', { alice: 'wonderland', 'ünï': 'cödé' }),
      'basic/inner/page.txt': 'inner page\n',
      [`basic/inner/${CONTROL}`]: digestControlFile('Inner', { bob: 'builder' }),
      'digest/page.txt': 'digest page\n',
      'digest/sub/deep.txt': 'deep\n',
      [`digest/${CONTROL}`]: digestControlFile('Digest Area', { carol: 'secret' }),
      'sha/page.txt': 'sha page\n',
      [`sha/${CONTROL}`]: digestControlFile('Sha Area', { dave: 'pw256' }, [], 'SHA-256'),
      'broken/page.txt': 'never served\n',
      [`broken/${CONTROL}`]: 'authorization-type=Basic\nrealm="Broken"\nalice-without-colon-hash\n',
      'changing/page.txt': 'changing\n',
      [`changing/${CONTROL}`]: basicControlFile('First Realm', { erin: 'one' }),
    });
    porta = await startPorta({ root: site.root, secret: SECRET });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  const get = (path: string, fields: readonly string[] = [], method = 'GET'): Promise<ParsedResponse> => fetchOne(porta.port, request(method, path, fields));

  /** A fresh Digest challenge for a path. */
  async function challengeFor(path: string): Promise<Record<string, string>> {
    const res = await get(path);
    assert.equal(res.status, 401);
    return parseChallenge(res.get('www-authenticate') ?? '');
  }

  test('a directory name longer than the file system allows is a plain 404, not a refused directory (found by the 1,000,000-input fuzz)', T, async () => {
    const long = 'a'.repeat(300);
    const errorsBefore = porta.internalErrors.length;
    const res = await get(`/${long}/page.html`);
    assert.equal(res.status, 404);
    const deeper = await get(`/basic/${long}/x`);
    assert.equal(deeper.status, 401, 'the protected parent still governs');
    assert.equal(porta.internalErrors.length, errorsBefore, String(porta.internalErrors.slice(errorsBefore)));
  });

  test('an unprotected file needs nothing', T, async () => {
    const res = await get('/public.txt');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'for everyone\n');
  });

  test('Basic: 401 with the realm and a chunked HTML page, then 200 with the right password', T, async () => {
    const refused = await get('/basic/secret.txt');
    assertErrorPage(refused, 401, { close: false });
    assert.equal(refused.get('www-authenticate'), 'Basic realm="Basic Area"');
    assert.equal(refused.framing, 'chunked');
    assert.ok(!refused.text.includes('basic secret'));
    const ok = await get('/basic/secret.txt', [basicField('alice', 'wonderland')]);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'basic secret\n');
    const utf8 = await get('/basic/secret.txt', [basicField('ünï', 'cödé')]);
    assert.equal(utf8.status, 200);
  });

  test('Basic: an unknown user and a wrong password get the very same answer', T, async () => {
    const wrongPassword = await get('/basic/secret.txt', [basicField('alice', 'wrong')]);
    const unknownUser = await get('/basic/secret.txt', [basicField('mallory', 'wonderland')]);
    const garbage = await get('/basic/secret.txt', ['Authorization: Basic !!!not-base64']);
    for (const res of [wrongPassword, unknownUser, garbage]) {
      assertErrorPage(res, 401);
      assert.equal(res.get('www-authenticate'), 'Basic realm="Basic Area"');
    }
    assert.deepEqual(wrongPassword.body, unknownUser.body);
    assert.deepEqual(
      wrongPassword.headers.filter(([n]) => n.toLowerCase() !== 'date').map(([n]) => n),
      unknownUser.headers.filter(([n]) => n.toLowerCase() !== 'date').map(([n]) => n),
    );
  });

  test('the user goes into the access log (the name tried, on a 401, as Apache logs it), never the password', T, async () => {
    const before = porta.logLines.length;
    await get('/basic/secret.txt?log', [basicField('alice', 'wonderland')]);
    await get('/basic/secret.txt?log2', [basicField('alice', 'nope-password')]);
    const lines = await porta.waitForLog(before + 2);
    const [good, bad] = lines.slice(-2) as [string, string];
    assert.match(good, /^127\.0\.0\.1 - alice \[/);
    assert.match(good, /" 200 /);
    assert.match(bad, /^127\.0\.0\.1 - alice \[/);
    assert.match(bad, /" 401 /);
    assert.ok(!lines.join('\n').includes('wonderland') && !lines.join('\n').includes('nope-password'));
  });

  test('every method is covered: HEAD, OPTIONS, TRACE, PUT, DELETE, POST answer 401 first', T, async () => {
    const head = await fetchOne(porta.port, request('HEAD', '/basic/secret.txt'), { method: 'HEAD' });
    assertErrorPage(head, 401, { head: true });
    for (const method of ['OPTIONS', 'TRACE', 'DELETE']) {
      const res = await get('/basic/secret.txt', [], method);
      assertErrorPage(res, 401);
    }
    for (const method of ['PUT', 'POST']) {
      const res = await get('/basic/secret.txt', ['Content-Length: 0'], method);
      assertErrorPage(res, 401);
    }
    const options = await get('/basic/secret.txt', [basicField('alice', 'wonderland')], 'OPTIONS');
    assert.equal(options.status, 200);
    assert.equal(options.get('allow'), 'GET, HEAD, OPTIONS, TRACE');
    const trace = await get('/basic/secret.txt', [basicField('alice', 'wonderland')], 'TRACE');
    assert.equal(trace.status, 200);
  });

  test('authentication wins over 404, 405, 412, 304 and 416', T, async () => {
    assertErrorPage(await get('/basic/missing.txt'), 401);
    assertErrorPage(await get('/basic/secret.txt', ['Content-Length: 0'], 'PUT'), 401);
    assertErrorPage(await get('/basic/secret.txt', ['If-Match: "nope"']), 401);
    assertErrorPage(await get('/basic/secret.txt', ['If-None-Match: *']), 401);
    assertErrorPage(await get('/basic/big.txt', ['Range: bytes=500-']), 401);
    // With credentials the resource speaks for itself.
    const alice = basicField('alice', 'wonderland');
    assert.equal((await get('/basic/missing.txt', [alice])).status, 404);
    assert.equal((await get('/basic/secret.txt', [alice, 'Content-Length: 0'], 'PUT')).status, 405);
    assert.equal((await get('/basic/secret.txt', [alice, 'If-Match: "nope"'])).status, 412);
    assert.equal((await get('/basic/big.txt', [alice, 'Range: bytes=500-'])).status, 416);
  });

  test('two Authorization fields are 400', T, async () => {
    const res = await get('/basic/secret.txt', [basicField('alice', 'wonderland'), basicField('alice', 'wonderland')]);
    assertErrorPage(res, 400);
  });

  test('a 401 drains the request body, so the next pipelined request is answered', T, async () => {
    const body = 'x'.repeat(5000);
    const { responses } = await rawExchange(
      porta.port,
      [request('PUT', '/basic/new.txt', [`Content-Length: ${body.length}`]) + body, request('GET', '/public.txt')],
      { until: { responses: 2 }, methods: ['PUT', 'GET'] },
    );
    assert.equal(responses[0]?.status, 401);
    assert.equal(responses[1]?.status, 200);
    assert.equal(responses[1]?.text, 'for everyone\n');
  });

  test('pipelined requests with different credentials are judged one by one', T, async () => {
    const alice = basicField('alice', 'wonderland');
    const reqs = [
      request('GET', '/basic/secret.txt?p1', [alice]),
      request('GET', '/basic/secret.txt?p2', [basicField('alice', 'bad')]),
      request('GET', '/basic/secret.txt?p3'),
      request('GET', '/basic/secret.txt?p4', [basicField('ünï', 'cödé')]),
    ];
    const { responses } = await rawExchange(porta.port, reqs.join(''), { until: { responses: 4 }, methods: ['GET', 'GET', 'GET', 'GET'] });
    assert.deepEqual(responses.map((r) => r.status), [200, 401, 401, 200]);
    const lines = await porta.waitForLog(porta.logLines.length);
    const users = lines.filter((l) => /secret\.txt\?p\d/.test(l)).map((l) => l.split(' ')[2]);
    assert.deepEqual(users.slice(0, 3), ['alice', 'alice', '-']);
    // The log escapes non-ASCII bytes its own way; what matters is that a user is named.
    assert.notEqual(users[3], '-');
  });

  test('a nested control file replaces the outer one', T, async () => {
    const withAlice = await get('/basic/inner/page.txt', [basicField('alice', 'wonderland')]);
    assert.equal(withAlice.status, 401);
    const challenge = parseChallenge(withAlice.get('www-authenticate') ?? '');
    assert.equal(challenge.realm, 'Inner');
    const { field } = digestField({ challenge, user: 'bob', password: 'builder', method: 'GET', uri: '/basic/inner/page.txt', nc: 1 });
    const ok = await get('/basic/inner/page.txt', [field]);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'inner page\n');
    // The outer directory still takes Basic.
    assert.equal((await get('/basic/secret.txt', [basicField('alice', 'wonderland')])).status, 200);
  });

  test('Digest: the challenge, success, and Authentication-Info with the right rspauth', T, async () => {
    const challenge = await challengeFor('/digest/page.txt');
    assert.equal(challenge.realm, 'Digest Area');
    assert.equal(challenge.qop, 'auth');
    assert.equal(challenge.algorithm, 'MD5');
    assert.ok(challenge.nonce && challenge.opaque);
    const { field, rspauth } = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1 });
    const ok = await get('/digest/page.txt', [field]);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'digest page\n');
    assert.equal(ok.get('authentication-info'), `rspauth="${rspauth}", qop=auth, nc=00000001, cnonce="c0ffee42"`);
    // The same nonce with the next count, for another file of the tree.
    const next = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/sub/deep.txt', nc: 2 });
    assert.equal((await get('/digest/sub/deep.txt', [next.field])).status, 200);
  });

  test('Digest: wrong user, realm or password is 401 with a new challenge (not stale)', T, async () => {
    const challenge = await challengeFor('/digest/page.txt');
    const cases = [
      digestField({ challenge, user: 'mallory', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1 }),
      digestField({ challenge, user: 'carol', password: 'wrong', method: 'GET', uri: '/digest/page.txt', nc: 1 }),
      digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1, realm: 'Other' }),
      // Signed for another method.
      digestField({ challenge, user: 'carol', password: 'secret', method: 'HEAD', uri: '/digest/page.txt', nc: 1 }),
    ];
    for (const { field } of cases) {
      const res = await get('/digest/page.txt', [field]);
      assertErrorPage(res, 401);
      const again = parseChallenge(res.get('www-authenticate') ?? '');
      assert.equal(again.stale, undefined);
      assert.equal(again.realm, 'Digest Area');
    }
    // None of these used the nonce: the right answer with nc=1 still works.
    const { field } = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1 });
    assert.equal((await get('/digest/page.txt', [field])).status, 200);
  });

  test('Digest: a replayed or skipped nonce count is refused with stale=true', T, async () => {
    const challenge = await challengeFor('/digest/page.txt');
    const first = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1 });
    assert.equal((await get('/digest/page.txt', [first.field])).status, 200);
    const replay = await get('/digest/page.txt', [first.field]);
    assertErrorPage(replay, 401);
    assert.equal(parseChallenge(replay.get('www-authenticate') ?? '').stale, 'true');
    const skip = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 3 });
    const skipped = await get('/digest/page.txt', [skip.field]);
    assert.equal(skipped.status, 401);
    assert.equal(parseChallenge(skipped.get('www-authenticate') ?? '').stale, 'true');
    // A fresh nonce that starts at 2 was never seen here: stale too.
    const fresh = await challengeFor('/digest/page.txt');
    const wrongStart = digestField({ challenge: fresh, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 2 });
    assert.equal(parseChallenge((await get('/digest/page.txt', [wrongStart.field])).get('www-authenticate') ?? '').stale, 'true');
    const second = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 2 });
    assert.equal((await get('/digest/page.txt', [second.field])).status, 200);
  });

  // (Made here, these nonces name another issuer than the server: stale for that reason too;
  // expiry itself is checked in test/site/auth-parsing.test.ts.)
  test('Digest: an expired nonce is stale; a forged one is not', T, async () => {
    const live = await challengeFor('/digest/page.txt');
    const old = { ...live, nonce: makeNonce(Buffer.from(SECRET), 'Digest Area', Date.now() - 60 * 60 * 1000, newIssuer()) };
    const expired = digestField({ challenge: old, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1 });
    const res = await get('/digest/page.txt', [expired.field]);
    assert.equal(res.status, 401);
    const renewed = parseChallenge(res.get('www-authenticate') ?? '');
    assert.equal(renewed.stale, 'true');
    assert.notEqual(renewed.nonce, old.nonce);
    const forged = { ...live, nonce: makeNonce(Buffer.from('another secret'), 'Digest Area', Date.now(), newIssuer()) };
    const bad = digestField({ challenge: forged, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1 });
    const refused = await get('/digest/page.txt', [bad.field]);
    assert.equal(refused.status, 401);
    assert.equal(parseChallenge(refused.get('www-authenticate') ?? '').stale, undefined);
  });

  test('Digest: the uri must name the request-target, query included; absolute-form works', T, async () => {
    const challenge = await challengeFor('/digest/page.txt');
    const other = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/sub/deep.txt', nc: 1 });
    assertErrorPage(await get('/digest/page.txt', [other.field]), 400);
    const noQuery = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1 });
    assertErrorPage(await get('/digest/page.txt?q=1', [noQuery.field]), 400);
    const withQuery = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt?q=1', nc: 1 });
    assert.equal((await get('/digest/page.txt?q=1', [withQuery.field])).status, 200);
    const absolute = `http://127.0.0.1:${porta.port}/digest/page.txt`;
    const asAbsolute = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: absolute, nc: 2 });
    assert.equal((await get(absolute, [asAbsolute.field])).status, 200);
    const asOrigin = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 3 });
    assert.equal((await get(absolute, [asOrigin.field])).status, 200);
  });

  test('Digest with SHA-256 hashes challenges and verifies with SHA-256', T, async () => {
    const challenge = await challengeFor('/sha/page.txt');
    assert.equal(challenge.algorithm, 'SHA-256');
    const { field, rspauth } = digestField({ challenge, user: 'dave', password: 'pw256', method: 'GET', uri: '/sha/page.txt', nc: 1 });
    const ok = await get('/sha/page.txt', [field]);
    assert.equal(ok.status, 200);
    assert.match(ok.get('authentication-info') ?? '', new RegExp(`^rspauth="${rspauth}"`));
  });

  test('Basic credentials for a Digest directory (and the reverse) are refused', T, async () => {
    assert.equal((await get('/digest/page.txt', [basicField('carol', 'secret')])).status, 401);
    const challenge = await challengeFor('/digest/page.txt');
    const { field } = digestField({ challenge, user: 'alice', password: 'wonderland', method: 'GET', uri: '/basic/secret.txt', nc: 1 });
    assert.equal((await get('/basic/secret.txt', [field])).status, 401);
  });

  test('the control file is never served or listed, under any spelling', T, async () => {
    const alice = basicField('alice', 'wonderland');
    for (const path of ['/basic/WeMustProtectThisHouse!', '/basic/WeMustProtectThisHouse%21', '/basic//WeMustProtectThisHouse!', '/basic/./WeMustProtectThisHouse!', '/basic/inner/../WeMustProtectThisHouse!', '/public.txt/../basic/WeMustProtectThisHouse%21']) {
      const res = await get(path, [alice]);
      assert.ok(res.status === 404 || res.status === 401, `${path}: ${res.status}`);
      assert.ok(!res.text.includes('authorization-type'), path);
    }
    const listing = await get('/basic/', [alice]);
    assert.equal(listing.status, 200);
    assert.ok(!listing.text.includes('WeMustProtect'));
  });

  test('a malformed control file refuses its directory with 500 and is reported with file:line', T, async () => {
    const res = await get('/broken/page.txt', [basicField('alice', 'wonderland')]);
    assertErrorPage(res, 500);
    assert.ok(!res.text.includes('never served'));
    const reported = porta.internalErrors.map(String).find((e) => e.includes(`broken/${CONTROL}:3:`));
    assert.ok(reported, `reported with file and line: ${porta.internalErrors.map(String).join('\n')}`);
  });

  test('a changed control file takes effect (within the cache window)', T, async () => {
    const first = await get('/changing/page.txt');
    assert.equal(first.get('www-authenticate'), 'Basic realm="First Realm"');
    await writeFile(site.path(`changing/${CONTROL}`), basicControlFile('Second Realm', { erin: 'two' }));
    let seen: string | undefined;
    await eventually(async () => {
      seen = (await get('/changing/page.txt')).get('www-authenticate');
      return seen === 'Basic realm="Second Realm"';
    }, 'the new realm', 5000).catch(() => undefined);
    assert.equal(seen, 'Basic realm="Second Realm"');
    assert.equal((await get('/changing/page.txt', [basicField('erin', 'two')])).status, 200);
    assert.equal((await get('/changing/page.txt', [basicField('erin', 'one')])).status, 401);
  });

  test('OPTIONS * is about the server and needs no credentials', T, async () => {
    const connection = await RawConnection.open(porta.port);
    try {
      connection.write(request('OPTIONS', '*'));
      const [res] = await connection.waitForResponses(1, { methods: ['OPTIONS'] });
      assert.equal(res?.status, 200);
    } finally {
      connection.destroy();
    }
  });
});
