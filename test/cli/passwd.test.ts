/**
 * `porta passwd` (docs/toolkit.md): lines written as htpasswd/htdigest would (bcrypt by default,
 * Apache MD5-crypt, the original MD5 hex, Digest), checked by the real `htpasswd -v` where it is
 * installed, the password from standard input, and the resulting file protecting a directory
 * served by the real CLI (with two workers sharing a Digest secret).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { basicField, digestField, md5, parseChallenge } from '../helpers/auth-client.js';
import { makeTempSite, type TempSite } from '../helpers/porta-server.js';
import { fetchOne, RawConnection, request } from '../helpers/raw-client.js';
import { runPorta, startPorta } from '../helpers/spawn-porta.js';

const T = { timeout: 20_000 };

/** Whether the real `htpasswd -v` accepts `password` for `user` in an htpasswd file; undefined without apache2-utils. */
function htpasswdAccepts(file: string, user: string, password: string): boolean | undefined {
  try {
    execFileSync('htpasswd', ['-vb', file, user, password], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : false;
  }
}

describe('porta passwd', () => {
  let site: TempSite;

  before(async () => {
    site = await makeTempSite({ 'basic/page.txt': 'basic page\n', 'digest/page.txt': 'digest page\n', 'apache/page.txt': 'apache page\n', 'old/page.txt': 'old page\n' });
  });

  after(() => site.cleanup());

  test('creates a Basic file (--md5: the original format), then replaces and adds users', T, async () => {
    const file = site.path('basic/WeMustProtectThisHouse!');
    let result = await runPorta(['passwd', '--md5', file, 'alice', 'Members'], { stdin: 'first\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(file, 'utf8'), `authorization-type=Basic\nrealm="Members"\nalice:${md5('first')}\n`);
    result = await runPorta(['passwd', '--md5', file, 'alice'], { stdin: 'second\r\n' });
    assert.equal(result.code, 0, result.stderr);
    result = await runPorta(['passwd', '--md5', file, 'bob'], { stdin: 'builder' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(file, 'utf8'), `authorization-type=Basic\nrealm="Members"\nalice:${md5('second')}\nbob:${md5('builder')}\n`);
    // No temporary file left beside it.
    assert.deepEqual((await readdir(site.path('basic'))).sort(), ['WeMustProtectThisHouse!', 'page.txt']);
  });

  test('bcrypt by default ($2y$, cost 10) and --apr1, as htpasswd -B and -m write them', T, async (t) => {
    const file = site.path('apache/WeMustProtectThisHouse!');
    let result = await runPorta(['passwd', file, 'alice', 'Apache'], { stdin: 'wonder land\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Basic user alice \(bcrypt\)/);
    result = await runPorta(['passwd', '--apr1', file, 'bob'], { stdin: 'builder\n' });
    assert.equal(result.code, 0, result.stderr);
    const text = await readFile(file, 'utf8');
    assert.match(text, /^authorization-type=Basic\nrealm="Apache"\nalice:\$2y\$10\$[./A-Za-z0-9]{53}\nbob:\$apr1\$[./A-Za-z0-9]{8}\$[./A-Za-z0-9]{22}\n$/);
    const htpasswdFile = site.path('apache-htpasswd');
    await writeFile(htpasswdFile, text.split('\n').slice(2).join('\n'));
    const verdicts = [htpasswdAccepts(htpasswdFile, 'alice', 'wonder land'), htpasswdAccepts(htpasswdFile, 'bob', 'builder'), htpasswdAccepts(htpasswdFile, 'alice', 'builder')];
    if (verdicts.includes(undefined)) t.skip('htpasswd (apache2-utils) is not installed: the lines are not checked by Apache here (the served folder below checks them)');
    else assert.deepEqual(verdicts, [true, true, false]);
  });

  test('creates Digest lines user:realm:md5(user:realm:password)', T, async () => {
    const file = site.path('digest/WeMustProtectThisHouse!');
    const result = await runPorta(['passwd', '--digest', file, 'carol', 'Team Room'], { stdin: 'secret\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(file, 'utf8'), `authorization-type=Digest\nrealm="Team Room"\ncarol:Team Room:${md5('carol:Team Room:secret')}\n`);
  });

  test('usage errors: missing REALM with --digest, a colon in USER, no arguments; empty password', T, async () => {
    for (const args of [['--digest', join(site.root, 'x'), 'u'], [join(site.root, 'x'), 'a:b'], [], ['--password', 'x', 'f', 'u'], ['--md5', '--apr1', join(site.root, 'x'), 'u'], ['--digest', '--md5', join(site.root, 'x'), 'u', 'R']]) {
      const result = await runPorta(['passwd', ...args], { stdin: 'pw\n' });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^porta: .+\n$/);
    }
    const empty = await runPorta(['passwd', join(site.root, 'empty'), 'u'], { stdin: '\n' });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /empty/);
    const mixed = await runPorta(['passwd', '--digest', site.path('basic/WeMustProtectThisHouse!'), 'u', 'R'], { stdin: 'pw\n' });
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /authorization-type=Basic/);
  });

  test('the files it writes protect directories served by porta serve --workers 2', T, async () => {
    // Written by the earlier tests in this file; run here again in case of isolation.
    await writeFile(site.path('basic/WeMustProtectThisHouse!'), `authorization-type=Basic\nrealm="Members"\nalice:${md5('second')}\n`);
    await runPorta(['passwd', '--digest', site.path('digest/WeMustProtectThisHouse!'), 'carol', 'Team Room'], { stdin: 'secret\n' });
    await runPorta(['passwd', site.path('apache/WeMustProtectThisHouse!'), 'alice', 'Apache'], { stdin: 'wonder land\n' });
    await runPorta(['passwd', '--apr1', site.path('apache/WeMustProtectThisHouse!'), 'bob'], { stdin: 'builder\n' });
    const server = startPorta(['serve', site.root, '--port', '0', '--host', '127.0.0.1', '--workers', '2', '--access-log', 'off']);
    try {
      const [, port] = (await server.waitForStderr(/Local: +http:\/\/[^:]+:(\d+)/, 10_000)) as unknown as [string, string];
      await server.waitForStderr(/2 worker processes/, 10_000);
      const p = Number(port);
      assert.equal((await fetchOne(p, request('GET', '/basic/page.txt'))).status, 401);
      assert.equal((await fetchOne(p, request('GET', '/basic/page.txt', [basicField('alice', 'second')]))).text, 'basic page\n');
      // The default bcrypt line and the --apr1 one, each through a served folder.
      for (const [user, password] of [['alice', 'wonder land'], ['bob', 'builder']] as const) {
        assert.equal((await fetchOne(p, request('GET', '/apache/page.txt', [basicField(user, password)]))).text, 'apache page\n');
        assert.equal((await fetchOne(p, request('GET', '/apache/page.txt', [basicField(user, 'wrong')]))).status, 401);
      }

      // A nonce is counted by the worker that issued it: the client answers the challenge on
      // its connection, as browsers and curl do; each new connection may meet either worker.
      for (let i = 0; i < 4; i++) {
        const connection = await RawConnection.open(p);
        try {
          connection.write(request('GET', '/digest/page.txt'));
          const [refused] = await connection.waitForResponses(1);
          const challenge = parseChallenge(refused?.get('www-authenticate') ?? '');
          const { field } = digestField({ challenge, user: 'carol', password: 'secret', method: 'GET', uri: '/digest/page.txt', nc: 1 });
          connection.write(request('GET', '/digest/page.txt', [field]));
          const [, ok] = await connection.waitForResponses(2);
          assert.equal(ok?.status, 200, ok?.head);
          assert.equal(ok?.text, 'digest page\n');
        } finally {
          connection.destroy();
        }
      }
    } finally {
      await server.stop();
    }
  });

  test('a line in a format porta does not read refuses its folder with one line on standard error', T, async () => {
    // crypt(3) DES, as `htpasswd -d` writes it.
    await writeFile(site.path('old/WeMustProtectThisHouse!'), 'authorization-type=Basic\nrealm="Old"\nalice:abJnggxhB/yWI\n');
    const server = startPorta(['serve', site.root, '--port', '0', '--host', '127.0.0.1', '--access-log', 'off']);
    try {
      const [, port] = (await server.waitForStderr(/Local: +http:\/\/[^:]+:(\d+)/, 10_000)) as unknown as [string, string];
      for (let i = 0; i < 3; i++) {
        const res = await fetchOne(Number(port), request('GET', '/old/page.txt', [basicField('alice', 'pw')]));
        assert.equal(res.status, 500);
        assert.ok(!res.text.includes('old page'));
      }
      const reports = server.stderr().split('\n').filter((line) => line.includes('WeMustProtectThisHouse!'));
      assert.equal(reports.length, 1, server.stderr());
      assert.match(reports[0] as string, /old\/WeMustProtectThisHouse!:3: the password hash is in no format porta reads \(.*bcrypt.*\)/);
    } finally {
      await server.stop();
    }
  });
});
