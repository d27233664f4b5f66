/**
 * From request-target to file (docs/serve.md, URLs, files and media types): percent-decoding once, dot segments,
 * never leaving the document root, symbolic links, case-sensitive names, the query.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { assertErrorPage, fetchOne, request } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };
const SECRET = 'TOP SECRET: outside the document root\n';

describe('mapping URL paths to files', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      'a.txt': 'file a\n',
      '100%.txt': 'one hundred percent\n',
      'a:b.txt': 'colon\n',
      'with space.txt': 'space\n',
      'café.txt': 'utf-8 name\n',
      'sub/x.txt': 'sub x\n',
      'sub/deeper/y.txt': 'sub deeper y\n',
      '0.jpeg': 'lower-case jpeg',
      '0.JPEG': 'UPPER-CASE JPEG',
      empty: '',
      'link-to-a.txt': { symlink: 'a.txt' },
      'linkdir': { symlink: 'sub' },
      'dangling.txt': { symlink: 'does-not-exist.txt' },
      '../secret.txt': SECRET,
      '../outside-dir/secret.txt': SECRET,
      'escape.txt': { symlink: '../secret.txt' },
      'escape-abs.txt': { symlink: '/etc/passwd' },
      'outdir': { symlink: '../outside-dir' },
      'sub/up': { symlink: '../..' },
    });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  async function get(target: string): Promise<{ status: number; text: string; type: string | undefined; length: string | undefined }> {
    const res = await fetchOne(porta.port, request('GET', target));
    return { status: res.status, text: res.text, type: res.get('content-type'), length: res.get('content-length') };
  }

  const decoded: ReadonlyArray<readonly [string, string]> = [
    ['/100%25.txt', 'one hundred percent\n'],
    ['/a%3Ab.txt', 'colon\n'],
    ['/a%3ab.txt', 'colon\n'],
    ['/a:b.txt', 'colon\n'],
    ['/with%20space.txt', 'space\n'],
    ['/caf%C3%A9.txt', 'utf-8 name\n'],
    ['/%61.txt', 'file a\n'],
    ['/sub/../a.txt', 'file a\n'],
    ['/sub/./x.txt', 'sub x\n'],
    ['/sub/%2e%2e/a.txt', 'file a\n'],
    ['/sub/deeper/../../a.txt', 'file a\n'],
    ['//sub//x.txt', 'sub x\n'],
  ];
  for (const [target, body] of decoded) {
    test(`${target} maps to the file it names`, T, async () => {
      const res = await get(target);
      assert.equal(res.status, 200);
      assert.equal(res.text, body);
    });
  }

  test('percent-decoding happens once: %2525 is the name "%25", not "%"', T, async () => {
    const res = await get('/100%2525.txt');
    assert.equal(res.status, 404);
  });

  const escapes = [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/..%2Fsecret.txt',
    '/a/../../secret.txt',
    '/sub/../../secret.txt',
    '/sub/%2e%2e/%2e%2e/secret.txt',
    '/./../secret.txt',
    '/sub/deeper/../../../secret.txt',
    '/..',
    '/../',
    '/%2e%2e',
    '/.%2e/secret.txt',
    '/..\\secret.txt',
    '/%2e%2e%5csecret.txt',
    '/../outside-dir/secret.txt',
    '/../root/a.txt',
  ];
  for (const target of escapes) {
    test(`${target} never leaves the root (400/403/404)`, T, async () => {
      const res = await fetchOne(porta.port, request('GET', target));
      assert.ok([400, 403, 404].includes(res.status), `status ${res.status}`);
      assert.ok(!res.text.includes('TOP SECRET'));
      assertErrorPage(res, res.status);
    });
  }

  test('an absolute-form target with dot segments never leaves the root', T, async () => {
    const res = await fetchOne(porta.port, 'GET http://example.com/../secret.txt HTTP/1.1\r\nHost: example.com\r\n\r\n');
    assert.ok([400, 403, 404].includes(res.status), `status ${res.status}`);
    assert.ok(!res.text.includes('TOP SECRET'));
  });

  test('%2F inside a segment does not join segments', T, async () => {
    const res = await get('/sub%2Fx.txt');
    assert.ok([400, 403, 404].includes(res.status), `status ${res.status}`);
    assert.ok(!res.text.includes('sub x'));
  });

  test('%2f (lower case) inside a segment does not join segments either', T, async () => {
    const res = await get('/sub%2fx.txt');
    assert.ok([400, 403, 404].includes(res.status), `status ${res.status}`);
  });

  test('an encoded NUL is refused', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/a.txt%00.html'));
    assertErrorPage(res, res.status);
    assert.ok([400, 404].includes(res.status), `status ${res.status}`);
    assert.ok(!res.text.includes('file a'));
  });

  test('a malformed percent-encoding is 400', T, async () => {
    assert.equal((await get('/a%zz.txt')).status, 400);
    assert.equal((await get('/a.txt%')).status, 400);
    assert.equal((await get('/a.txt%4')).status, 400);
  });

  test('a path that is not UTF-8 after decoding is 400', T, async () => {
    assert.equal((await get('/%FF%FE.txt')).status, 400);
  });

  test('a symbolic link inside the root is followed (file and directory)', T, async () => {
    const file = await get('/link-to-a.txt');
    assert.equal(file.status, 200);
    assert.equal(file.text, 'file a\n');
    const dir = await get('/linkdir/x.txt');
    assert.equal(dir.status, 200);
    assert.equal(dir.text, 'sub x\n');
  });

  test('symbolic links pointing outside the root are 403', T, async () => {
    for (const target of ['/escape.txt', '/escape-abs.txt', '/outdir/secret.txt', '/outdir/', '/sub/up/secret.txt']) {
      const res = await fetchOne(porta.port, request('GET', target));
      assertErrorPage(res, 403);
      assert.ok(!res.text.includes('TOP SECRET'), target);
      assert.ok(!res.text.includes('root:'), target);
    }
  });

  test('a dangling symbolic link is 404', T, async () => {
    assert.equal((await get('/dangling.txt')).status, 404);
  });

  test('names are case-sensitive (0.jpeg and 0.JPEG are different files); extensions are looked up case-insensitively', T, async () => {
    const lower = await get('/0.jpeg');
    const upper = await get('/0.JPEG');
    assert.equal(lower.status, 200);
    assert.equal(upper.status, 200);
    assert.equal(lower.text, 'lower-case jpeg');
    assert.equal(upper.text, 'UPPER-CASE JPEG');
    assert.equal(lower.type, 'image/jpeg');
    assert.equal(upper.type, 'image/jpeg');
    assert.equal((await get('/0.Jpeg')).status, 404);
    assert.equal((await get('/A.txt')).status, 404);
  });

  test('an empty file is 200 with Content-Length: 0', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/empty'));
    assert.equal(res.status, 200);
    assert.equal(res.get('content-length'), '0');
    assert.equal(res.body.length, 0);
    assert.equal(res.get('content-type'), 'application/octet-stream');
  });

  test('the query string never affects the mapping', T, async () => {
    for (const target of ['/a.txt?', '/a.txt?x=1', '/a.txt?../../secret.txt', '/a.txt?%00', '/a.txt?/sub/x.txt', '/a.txt?%zz', '/a%2Etxt?q']) {
      const res = await get(target);
      assert.equal(res.status, 200, target);
      assert.equal(res.text, 'file a\n', target);
    }
    assert.equal((await get('/missing.txt?a.txt')).status, 404);
  });

  test('a file requested with a trailing slash is 404', T, async () => {
    assert.equal((await get('/a.txt/')).status, 404);
  });

  test('a path through a file is 404', T, async () => {
    assert.equal((await get('/a.txt/more')).status, 404);
  });
});
