/**
 * Directories (docs/serve.md, URLs, files and media types: trailing-slash redirect, index documents, generated
 * listings, the hidden auth control file) and the --redirects rules file (docs/serve.md).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { assertErrorPage, assertStandardFields, fetchOne, request, type ParsedResponse } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };
const AUTH_FILE = 'WeMustProtectThisHouse!';
const TRICKY = `<b>&"quote'.txt`;

describe('directories', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      'withindex/index.html': '<h1>the index</h1>\n',
      'withindex/other.txt': 'other\n',
      'both/home.htm': '<h1>home.htm</h1>\n',
      'both/index.html': '<h1>index.html</h1>\n',
      'list/plain.txt': 'plain\n',
      [`list/${TRICKY}`]: 'tricky\n',
      'list/sp ace.txt': 'space\n',
      'list/100%.txt': 'percent\n',
      'list/child/deep.txt': 'deep\n',
      'list/kilo.bin': Buffer.alloc(2048),
      // It protects list/ too: every request below sends its user's credentials.
      [`list/${AUTH_FILE}`]: `authorization-type=Basic\nrealm="Test"\ntester:${createHash('md5').update('pw').digest('hex')}\n`,
      'with space/a.txt': 'a\n',
      'top.txt': 'top\n',
    });
    porta = await startPorta({ root: site.root, indexNames: ['home.htm', 'index.html'] });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  const TESTER = `Authorization: Basic ${Buffer.from('tester:pw').toString('base64')}`;
  const get = (target: string, method = 'GET'): Promise<ParsedResponse> => fetchOne(porta.port, request(method, target, [TESTER]), { method });

  test('a directory without its slash: 301 to the same path with /', T, async () => {
    const res = await get('/list');
    assertErrorPage(res, 301);
    assert.equal(res.get('location'), '/list/');
  });

  test('the slash redirect keeps the query', T, async () => {
    const res = await get('/list?sort=name&x=%20');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), '/list/?sort=name&x=%20');
  });

  test('the slash redirect keeps the path encoded', T, async () => {
    const res = await get('/with%20space');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), '/with%20space/');
  });

  test('a nested directory without its slash', T, async () => {
    const res = await get('/list/child?q');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), '/list/child/?q');
  });

  test('a directory with its slash serves the index document', T, async () => {
    const res = await get('/withindex/');
    assertStandardFields(res, 200);
    assert.equal(res.text, '<h1>the index</h1>\n');
    assert.equal(res.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.get('content-length'), String(res.body.length));
  });

  test('index names are tried in the configured order', T, async () => {
    const res = await get('/both/');
    assert.equal(res.text, '<h1>home.htm</h1>\n');
  });

  test('without an index document: a generated HTML listing (chunked)', T, async () => {
    const res = await get('/list/');
    assertStandardFields(res, 200);
    assert.match(res.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.get('transfer-encoding'), 'chunked');
    const html = res.text;
    assert.match(html, /<html/);
    assert.match(html, /<a href="plain\.txt">plain\.txt<\/a>/);
    assert.match(html, /<a href="sp%20ace\.txt">sp ace\.txt<\/a>/);
    assert.match(html, /<a href="100%25\.txt">100%\.txt<\/a>/);
    assert.match(html, /<a href="kilo\.bin">/);
    assert.match(html, /2\.0K|2048/, 'sizes are shown');
    assert.match(html, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/, 'modification times are shown');
  });

  test('the listing marks directories and links to the parent', T, async () => {
    const html = (await get('/list/')).text;
    assert.match(html, /<a href="child\/">child\/<\/a>/);
    assert.match(html, /<a href="\.\.\/">/);
  });

  test('the listing HTML-escapes and URL-encodes names', T, async () => {
    const html = (await get('/list/')).text;
    assert.ok(!html.includes('<b>&'), 'the raw name never appears as markup');
    assert.ok(html.includes('&lt;b&gt;&amp;&quot;quote&#39;.txt') || html.includes('&lt;b&gt;&amp;&#34;quote&#39;.txt'), html);
    assert.ok(html.includes('href="%3Cb%3E%26%22quote%27.txt"'), html);
    // The link really leads to the file.
    const res = await get('/list/%3Cb%3E%26%22quote%27.txt');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'tricky\n');
  });

  test('the listing hides the auth control file', T, async () => {
    const html = (await get('/list/')).text;
    assert.ok(!html.includes('WeMustProtect'), html);
  });

  test('the auth control file itself is 404 (GET, HEAD, encoded)', T, async () => {
    assertErrorPage(await get(`/list/${AUTH_FILE}`), 404);
    assert.equal((await get(`/list/${AUTH_FILE}`, 'HEAD')).status, 404);
    const encoded = await get('/list/WeMustProtectThisHouse%21');
    assert.equal(encoded.status, 404);
    assert.ok(!encoded.text.includes('realm'));
  });

  test('HEAD of a listing: same fields, no body', T, async () => {
    const res = await get('/list/', 'HEAD');
    assert.equal(res.status, 200);
    assert.match(res.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.body.length, 0);
  });

  test('the root lists its entries when it has no index', T, async () => {
    const html = (await get('/')).text;
    for (const name of ['withindex/', 'both/', 'list/', 'with%20space/', 'top.txt']) assert.ok(html.includes(`href="${name}"`), name);
    assert.ok(!html.includes('href="../"'), 'no parent link at the root');
  });
});

describe('redirect rules', () => {
  let site: TempSite;
  let porta: PortaServer;

  const RULES = [
    '# redirect rules for the test',
    '',
    '301: ^/old/(.*)$ /new/$1',
    '302: ^/old/special$ /never-used',
    '301: ^(.*)/legacy/(.*)$ $1/modern/$2',
    '302: ^/temp$ /elsewhere?from=temp',
    '301: ^/external$ http://example.com/landing',
    '   # an indented comment',
  ].join('\n');

  before(async () => {
    site = await makeTempSite({ 'old/exists.txt': 'should be redirected\n', 'plain.txt': 'plain\n' });
    porta = await startPorta({ root: site.root, redirects: RULES });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  const get = (target: string): Promise<ParsedResponse> => fetchOne(porta.port, request('GET', target));

  test('a matching rule: 301 with Location, $1 substituted, and an HTML page', T, async () => {
    const res = await get('/old/page.html');
    assertErrorPage(res, 301);
    assert.equal(res.get('location'), '/new/page.html');
    assert.ok(res.text.includes('/new/page.html'));
  });

  test('the first matching rule wins', T, async () => {
    const res = await get('/old/special');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), '/new/special');
  });

  test('$1 and $2 from a rule with two groups', T, async () => {
    const res = await get('/a/b/legacy/c/d.txt');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), '/a/b/modern/c/d.txt');
  });

  test('the query is kept when the replacement has none', T, async () => {
    const res = await get('/old/x?q=1&r=2');
    assert.equal(res.get('location'), '/new/x?q=1&r=2');
  });

  test('a replacement with its own query and another status', T, async () => {
    const res = await get('/temp');
    assert.equal(res.status, 302);
    assert.equal(res.get('location'), '/elsewhere?from=temp');
  });

  test('an absolute replacement', T, async () => {
    const res = await get('/external');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), 'http://example.com/landing');
  });

  test('rules match the decoded path and Location is encoded again', T, async () => {
    const res = await get('/old/a%20b');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), '/new/a%20b');
  });

  test('a rule applies even where a file exists', T, async () => {
    const res = await get('/old/exists.txt');
    assert.equal(res.status, 301);
    assert.equal(res.get('location'), '/new/exists.txt');
  });

  test('no rule matches: the file is served', T, async () => {
    const res = await get('/plain.txt');
    assert.equal(res.status, 200);
    assert.equal(res.text, 'plain\n');
  });
});
