/**
 * Media types, languages, charsets and content codings from file-name extensions
 * (docs/serve.md, URLs, files and media types), as the response fields show them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { fetchOne, request, type ParsedResponse } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };
const GZIP_BYTES = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);

describe('media types from file names', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      'page.html': '<p>html</p>',
      'page.htm': '<p>htm</p>',
      'notes.txt': 'text',
      'data.xml': '<x/>',
      'pic.png': 'png',
      'pic.jpeg': 'jpeg',
      'pic.jpg': 'jpg',
      'anim.gif': 'gif',
      'paper.pdf': 'pdf',
      'slides.ppt': 'ppt',
      'letter.doc': 'doc',
      'style.css': 'body{}',
      'data.json': '{}',
      'index.html.ru.koi8-r': Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]),
      'welcome.html.en': '<p>hello</p>',
      'welcome.ja.html': '<p>konnichiwa</p>',
      'doc.html.jis': 'jis',
      'doc.html.euc-kr': 'euc-kr',
      'a.tar.gz': GZIP_BYTES,
      'old.txt.Z': 'compressed',
      'README': 'no extension',
      'mystery.qqqzzz': 'unknown extension',
      'empty': '',
      'empty.txt': '',
      'v1.2.3.txt': 'dots in the base name',
      'app.js': 'export {};',
      'PHOTO.JPG': 'jpg',
      'Image.PNG': 'png',
      'README.HTML': '<p>upper</p>',
      'pkg.tgz': GZIP_BYTES,
      'page.html.gz': GZIP_BYTES,
    });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  const get = (path: string): Promise<ParsedResponse> => fetchOne(porta.port, request('GET', `/${path}`));

  const types: ReadonlyArray<readonly [string, string]> = [
    ['page.html', 'text/html; charset=utf-8'],
    ['page.htm', 'text/html; charset=utf-8'],
    ['notes.txt', 'text/plain; charset=utf-8'],
    ['data.xml', 'text/xml; charset=utf-8'],
    ['pic.png', 'image/png'],
    ['pic.jpeg', 'image/jpeg'],
    ['pic.jpg', 'image/jpeg'],
    ['anim.gif', 'image/gif'],
    ['paper.pdf', 'application/pdf'],
    ['slides.ppt', 'application/vnd.ms-powerpoint'],
    ['letter.doc', 'application/msword'],
    ['style.css', 'text/css; charset=utf-8'],
    ['data.json', 'application/json; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
    ['PHOTO.JPG', 'image/jpeg'],
    ['Image.PNG', 'image/png'],
    ['README.HTML', 'text/html; charset=utf-8'],
    ['README', 'application/octet-stream'],
    ['mystery.qqqzzz', 'application/octet-stream'],
    ['v1.2.3.txt', 'text/plain; charset=utf-8'],
  ];
  for (const [name, type] of types) {
    test(`${name} is ${type}`, T, async () => {
      const res = await get(name);
      assert.equal(res.status, 200);
      assert.equal(res.get('content-type'), type);
      assert.equal(res.has('content-language'), false);
      assert.equal(res.has('content-encoding'), false);
    });
  }

  test('index.html.ru.koi8-r is text/html; charset=koi8-r in Russian, sent as stored', T, async () => {
    const res = await get('index.html.ru.koi8-r');
    assert.equal(res.status, 200);
    assert.equal(res.get('content-type'), 'text/html; charset=koi8-r');
    assert.equal(res.get('content-language'), 'ru');
    assert.equal(res.has('content-encoding'), false);
    assert.deepEqual([...res.body], [0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]);
  });

  test('language extensions in either order: welcome.html.en and welcome.ja.html', T, async () => {
    const en = await get('welcome.html.en');
    assert.equal(en.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(en.get('content-language'), 'en');
    const ja = await get('welcome.ja.html');
    assert.equal(ja.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(ja.get('content-language'), 'ja');
  });

  test('charset extensions: .jis is iso-2022-jp, .euc-kr is euc-kr', T, async () => {
    assert.equal((await get('doc.html.jis')).get('content-type'), 'text/html; charset=iso-2022-jp');
    assert.equal((await get('doc.html.euc-kr')).get('content-type'), 'text/html; charset=euc-kr');
  });

  test('a.tar.gz and pkg.tgz are application/gzip without Content-Encoding, bytes as stored (saved as they are)', T, async () => {
    for (const name of ['a.tar.gz', 'pkg.tgz']) {
      const res = await get(name);
      assert.equal(res.status, 200);
      assert.equal(res.get('content-type'), 'application/gzip', name);
      assert.equal(res.has('content-encoding'), false, name);
      assert.ok(res.body.equals(GZIP_BYTES));
      assert.equal(res.get('content-length'), String(GZIP_BYTES.length));
    }
  });

  test('page.html.gz keeps Apache\'s meaning: text/html with Content-Encoding: gzip', T, async () => {
    const res = await get('page.html.gz');
    assert.equal(res.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.get('content-encoding'), 'gzip');
  });

  test('old.txt.Z is text/plain with Content-Encoding: compress', T, async () => {
    const res = await get('old.txt.Z');
    assert.equal(res.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.get('content-encoding'), 'compress');
  });

  test('empty files are 200 with Content-Length: 0 (with and without an extension)', T, async () => {
    const bare = await get('empty');
    assert.equal(bare.status, 200);
    assert.equal(bare.get('content-length'), '0');
    assert.equal(bare.get('content-type'), 'application/octet-stream');
    const txt = await get('empty.txt');
    assert.equal(txt.status, 200);
    assert.equal(txt.get('content-length'), '0');
    assert.equal(txt.get('content-type'), 'text/plain; charset=utf-8');
  });

  test('HEAD gives the same representation fields as GET', T, async () => {
    const getRes = await get('index.html.ru.koi8-r');
    const headRes = await fetchOne(porta.port, request('HEAD', '/index.html.ru.koi8-r'));
    assert.equal(headRes.body.length, 0);
    for (const name of ['content-type', 'content-language', 'content-length', 'etag', 'last-modified', 'accept-ranges']) {
      assert.equal(headRes.get(name), getRes.get(name), name);
    }
  });
});
