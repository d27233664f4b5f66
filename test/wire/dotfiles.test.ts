/**
 * Dotfiles (docs/serve.md, URLs, files and media types): `porta serve .` must not hand out `.git/` or `.env`. Names
 * starting with '.' are 404 and unlisted by default, judged by the requested path and by the
 * file it resolves to; /.well-known/ is always served; `--dotfiles allow` serves them all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { fetchOne, request } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };

describe('dotfiles', () => {
  let site: TempSite;
  let deny: PortaServer;
  let allow: PortaServer;

  before(async () => {
    site = await makeTempSite({
      '.env': 'SECRET=1\n',
      '.git/config': '[core]\n',
      'sub/.hidden.txt': 'hidden\n',
      'visible.txt': 'visible\n',
      'link-to-env': { symlink: '.env' },
      '.well-known/security.txt': 'Contact: mailto:x@example.org\n',
    });
    deny = await startPorta({ root: site.root });
    allow = await startPorta({ root: site.root, dotfiles: 'allow' });
  });

  after(async () => {
    await deny.close();
    await allow.close();
    await site.cleanup();
  });

  test('by default a dotfile, a dot directory and anything below it are 404', T, async () => {
    for (const path of ['/.env', '/.git/config', '/.git/', '/sub/.hidden.txt', '/%2Eenv', '/sub/../.env']) {
      const res = await fetchOne(deny.port, request('GET', path));
      assert.equal(res.status, 404, path);
      assert.ok(!res.text.includes('SECRET'), path);
    }
  });

  test('a symbolic link to a dotfile is judged by the file it leads to: 404', T, async () => {
    assert.equal((await fetchOne(deny.port, request('GET', '/link-to-env'))).status, 404);
  });

  test('listings leave dotfiles out', T, async () => {
    const res = await fetchOne(deny.port, request('GET', '/'));
    assert.equal(res.status, 200);
    assert.match(res.text, /visible\.txt/);
    assert.ok(!/\.env|\.git|\.well-known/.test(res.text), res.text);
  });

  test('/.well-known/ is always served', T, async () => {
    const res = await fetchOne(deny.port, request('GET', '/.well-known/security.txt'));
    assert.equal(res.status, 200);
    assert.equal(res.text, 'Contact: mailto:x@example.org\n');
  });

  test('--dotfiles allow serves and lists them', T, async () => {
    assert.equal((await fetchOne(allow.port, request('GET', '/.env'))).text, 'SECRET=1\n');
    assert.equal((await fetchOne(allow.port, request('GET', '/link-to-env'))).status, 200);
    assert.match((await fetchOne(allow.port, request('GET', '/'))).text, /\.env/);
  });
});
