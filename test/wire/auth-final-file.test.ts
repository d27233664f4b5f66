/**
 * Authorisation is decided on the file that will be served, after every mapping: a type map
 * in a public folder naming a protected file, a type map an uploader writes to read another
 * user's file, a MultiViews variant that is a symbolic link into a protected folder, and the
 * SPA fallback file in a protected folder all need that file's own credentials.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basicControlFile, basicField } from '../helpers/auth-client.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { fetchOne, request } from '../helpers/raw-client.js';

const T = { timeout: 15_000 };
const CONTROL = 'WeMustProtectThisHouse!';
const ALICE = basicField('alice', 'wonderland');
const BOB = basicField('bob', 'builder');
const SECRET = 'inner secret\n';
const BOBS = 'bob private\n';

function typeMap(...uris: string[]): string {
  return uris.map((uri) => `URI: ${uri}\nContent-Type: text/plain\n`).join('\n');
}

describe('authorisation on the file finally served', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      'pub/map.var': typeMap('inner/secret.txt'),
      'pub/same.var': typeMap('open.txt'),
      'pub/open.txt': 'open\n',
      'pub/notes.txt': 'public notes\n'.repeat(200),
      'pub/notes.txt.gz': { symlink: 'inner/secret.txt.gz' },
      'pub/inner/secret.txt.gz': 'GZIPPED-SECRET',
      'pub/page.html': { symlink: 'inner/secret.html' },
      'pub/inner/secret.txt': SECRET,
      'pub/inner/secret.html': `<p>${SECRET}</p>\n`,
      'pub/inner/map.var': typeMap('secret.txt'),
      [`pub/inner/${CONTROL}`]: basicControlFile('Inner', { alice: 'wonderland' }),
      'up/readme.txt': 'uploads\n',
      [`up/${CONTROL}`]: basicControlFile('Uploads', { alice: 'wonderland' }, ['ALLOW-PUT']),
      'up/bob/private.txt': BOBS,
      [`up/bob/${CONTROL}`]: basicControlFile('Bob', { bob: 'builder' }),
    });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  test('a public type map naming a protected file asks for that file\'s credentials', T, async () => {
    const anonymous = await fetchOne(porta.port, request('GET', '/pub/map.var'));
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.get('www-authenticate') ?? '', /realm="Inner"/);
    assert.doesNotMatch(anonymous.text, /inner secret/);
    const authorised = await fetchOne(porta.port, request('GET', '/pub/map.var', [ALICE]));
    assert.equal(authorised.status, 200);
    assert.equal(authorised.text, SECRET);
  });

  test('a type map naming a file in its own folder needs nothing more', T, async () => {
    const response = await fetchOne(porta.port, request('GET', '/pub/same.var'));
    assert.equal(response.status, 200);
    assert.equal(response.text, 'open\n');
    const inner = await fetchOne(porta.port, request('GET', '/pub/inner/map.var', [ALICE]));
    assert.equal(inner.status, 200);
    assert.equal(inner.text, SECRET);
  });

  test('an uploader cannot read another user\'s file through a type map it writes', T, async () => {
    const body = typeMap('bob/private.txt');
    const put = await fetchOne(porta.port, request('PUT', '/up/steal.var', [ALICE, `Content-Length: ${Buffer.byteLength(body)}`]) + body);
    assert.equal(put.status, 201);
    const stolen = await fetchOne(porta.port, request('GET', '/up/steal.var', [ALICE]));
    assert.equal(stolen.status, 401);
    assert.match(stolen.get('www-authenticate') ?? '', /realm="Bob"/);
    assert.doesNotMatch(stolen.text, /bob private/);
    // The file's owner does not pass the map's own folder: both guards stand.
    const owner = await fetchOne(porta.port, request('GET', '/up/steal.var', [BOB]));
    assert.equal(owner.status, 401);
    assert.match(owner.get('www-authenticate') ?? '', /realm="Uploads"/);
  });

  test('a MultiViews variant that links into a protected folder is as protected as the link', T, async () => {
    const direct = await fetchOne(porta.port, request('GET', '/pub/page.html'));
    assert.equal(direct.status, 401);
    const negotiated = await fetchOne(porta.port, request('GET', '/pub/page', ['Accept: text/html']));
    assert.equal(negotiated.status, 401);
    assert.match(negotiated.get('www-authenticate') ?? '', /realm="Inner"/);
    assert.doesNotMatch(negotiated.text, /inner secret/);
    const authorised = await fetchOne(porta.port, request('GET', '/pub/page', [ALICE]));
    assert.equal(authorised.status, 200);
    assert.equal(authorised.text, `<p>${SECRET}</p>\n`);
  });

  test('a precompressed sibling that links into a protected folder is never sent', T, async () => {
    const response = await fetchOne(porta.port, request('GET', '/pub/notes.txt', ['Accept-Encoding: gzip']));
    assert.equal(response.status, 200);
    assert.doesNotMatch(response.text, /GZIPPED-SECRET/);
    assert.notEqual(response.get('content-encoding'), undefined, 'the public file is compressed here instead');
  });
});

describe('authorisation of the single-page fallback file', () => {
  test('a fallback file in a protected folder needs its credentials', T, async () => {
    const site = await makeTempSite({
      'index.html': 'public\n',
      'app/index.html': 'the app\n',
      [`app/${CONTROL}`]: basicControlFile('App', { alice: 'wonderland' }),
    });
    const porta = await startPorta({ root: site.root, spa: '/app/index.html' });
    try {
      const anonymous = await fetchOne(porta.port, request('GET', '/some/route'));
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.get('www-authenticate') ?? '', /realm="App"/);
      const authorised = await fetchOne(porta.port, request('GET', '/some/route', [ALICE]));
      assert.equal(authorised.status, 200);
      assert.equal(authorised.text, 'the app\n');
    } finally {
      await porta.close();
      await site.cleanup();
    }
  });
});
