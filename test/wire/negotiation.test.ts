/**
 * Transparent content negotiation over a real socket (docs/serve.md, content negotiation): a fixture with a
 * page in three languages and two charsets, an image in png and jpeg, a document stored
 * plain and gzip-compressed, a type map and an index document that exists only as
 * variants. Each outcome (200 choice, 300 list, 406), each field (Vary, TCN, Alternates,
 * Content-Location, the structured ETag), HEAD, conditionals, ranges and pipelining.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, withPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { assertErrorPage, assertFramed, assertStandardFields, fetchOne, rawExchange, request, type ParsedResponse } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };

const EN = '<p>Hello</p>\n';
const JA = 'JA-ISO-2022-JP-BYTES\n';
const KO = 'KO-EUC-KR-BYTES\n';
const PNG = Buffer.from('89504e470d0a1a0a-png-bytes', 'latin1');
const JPEG = Buffer.from('ffd8ffe0-jpeg-bytes', 'latin1');
const README = 'A plain text document, stored plain and gzip-compressed. '.repeat(4);
const README_GZ = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4]);

const TYPE_MAP = [
  'URI: movie',
  '',
  'URI: movie.txt',
  'Content-Type: text/plain; qs=0.5',
  'Description: The script as text',
  '',
  'URI: movie.html',
  'Content-Type: text/html; qs=0.9',
  '',
  'URI: ../outside.txt',
  'Content-Type: text/plain',
  '',
  'URI: .hidden.txt',
  'Content-Type: text/plain',
  '',
].join('\n');

/** A field split into its comma-separated items, trimmed. */
function items(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim());
}

/** `"opaque;validator"`: RFC 2295 section 9.2. */
const STRUCTURED_ETAG = /^"[^";\s]+;[^";\s]+"$/;

function assertChoice(res: ParsedResponse, location: string, body: string | Buffer): void {
  assertStandardFields(res, 200);
  assertFramed(res);
  assert.equal(res.get('tcn'), 'choice');
  assert.equal(res.get('content-location'), location);
  assert.match(res.get('etag') ?? '', STRUCTURED_ETAG);
  assert.ok(res.has('last-modified'));
  assert.equal(res.get('accept-ranges'), 'bytes');
  assert.deepEqual(res.body, Buffer.isBuffer(body) ? body : Buffer.from(body));
}

describe('content negotiation', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      'page.html.en': EN,
      'page.html.ja.jis': JA,
      'page.html.ko.euc-kr': KO,
      // Not a variant: an unknown extension (the control file case has its own test below).
      'page.html.bak': 'old',
      'logo.png': PNG,
      'logo.jpeg': JPEG,
      'readme.txt': README,
      'readme.txt.gz': README_GZ,
      'movie.var': TYPE_MAP,
      'movie.txt': 'script\n',
      'movie.html': '<p>script</p>\n',
      '.hidden.txt': 'dot',
      '../outside.txt': 'outside',
      'intl/index.html.en': 'english index\n',
      'intl/index.html.de': 'deutscher Index\n',
    });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  const get = (path: string, fields: string[] = [], method = 'GET'): Promise<ParsedResponse> =>
    fetchOne(porta.port, request(method, path, fields), { method });

  test('one best variant: 200 with Content-Location, TCN: choice, Vary and a structured ETag', T, async () => {
    const res = await get('/page.html', ['Accept-Language: en-gb, en;q=0.8, ja;q=0.5']);
    assertChoice(res, 'page.html.en', EN);
    assert.equal(res.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.get('content-language'), 'en');
    // Languages and charsets differ among the variants; types and codings do not.
    assert.deepEqual(items(res.get('vary')), ['negotiate', 'accept-language', 'accept-charset']);
    assert.equal(res.get('content-length'), String(EN.length));
  });

  test('the charset named by an extension is sent, and Accept-Charset decides with the language', T, async () => {
    const ja = await get('/page.html', ['Accept-Language: ja']);
    assertChoice(ja, 'page.html.ja.jis', JA);
    assert.equal(ja.get('content-type'), 'text/html; charset=iso-2022-jp');
    // No language preference, but only euc-kr (and the charset-less English page) acceptable...
    const ko = await get('/page.html', ['Accept-Charset: euc-kr', 'Accept-Language: ko, en;q=0.5']);
    assertChoice(ko, 'page.html.ko.euc-kr', KO);
    assert.equal(ko.get('content-language'), 'ko');
  });

  test('a tie for best is 300 Multiple Choices: TCN: list, Alternates for every variant, a chunked HTML list of links', T, async () => {
    const res = await get('/page.html');
    assertErrorPage(res, 300);
    assert.equal(res.framing, 'chunked');
    assert.equal(res.get('tcn'), 'list');
    assert.deepEqual(items(res.get('vary')), ['negotiate', 'accept-language', 'accept-charset']);
    assert.equal(
      res.get('alternates'),
      `{"page.html.en" 1 {type text/html} {language en} {length ${EN.length}}}, ` +
        `{"page.html.ja.jis" 1 {type text/html} {charset iso-2022-jp} {language ja} {length ${JA.length}}}, ` +
        `{"page.html.ko.euc-kr" 1 {type text/html} {charset euc-kr} {language ko} {length ${KO.length}}}`,
    );
    for (const name of ['page.html.en', 'page.html.ja.jis', 'page.html.ko.euc-kr']) assert.ok(res.text.includes(`<a href="${name}">`), `link to ${name}`);
    // The backup is not a variant.
    assert.ok(!res.text.includes('page.html.bak'));
    assert.ok(!res.has('etag') && !res.has('content-location'));
  });

  test('the order of Alternates is stable whatever the request', T, async () => {
    const a = await get('/page.html', ['Negotiate: trans', 'Accept-Language: ko']);
    const b = await get('/page.html', ['Negotiate: vlist']);
    assert.equal(a.get('alternates'), b.get('alternates'));
  });

  test('Negotiate: trans, vlist or 1.0 asks for the list even when one variant is best', T, async () => {
    for (const negotiate of ['trans', 'vlist', '1.0']) {
      const res = await get('/page.html', [`Negotiate: ${negotiate}`, 'Accept-Language: en']);
      assertErrorPage(res, 300);
      assert.equal(res.get('tcn'), 'list');
    }
  });

  test('every variant at q=0 is 406 Not Acceptable with the same list', T, async () => {
    const res = await get('/page.html', ['Accept-Language: fr, de;q=0.5']);
    assertErrorPage(res, 406);
    assert.equal(res.framing, 'chunked');
    assert.equal(res.get('tcn'), 'list');
    assert.ok(res.get('alternates')?.includes('"page.html.en"'));
    for (const name of ['page.html.en', 'page.html.ja.jis', 'page.html.ko.euc-kr']) assert.ok(res.text.includes(`<a href="${name}">`));
  });

  test('HEAD: the same status and fields as GET, no body', T, async () => {
    const choice = await get('/page.html', ['Accept-Language: en'], 'HEAD');
    assert.equal(choice.status, 200);
    assert.equal(choice.get('content-location'), 'page.html.en');
    assert.equal(choice.get('content-length'), String(EN.length));
    assert.equal(choice.body.length, 0);
    const list = await get('/page.html', [], 'HEAD');
    assertErrorPage(list, 300, { head: true });
    assert.ok(list.has('alternates'));
    const none = await get('/page.html', ['Accept-Language: fr'], 'HEAD');
    assertErrorPage(none, 406, { head: true });
  });

  test('Accept chooses between png and jpeg by q, type/* and */*', T, async () => {
    const png = await get('/logo', ['Accept: image/jpeg;q=0.5, image/png;q=0.8, */*;q=0.1']);
    assertChoice(png, 'logo.png', PNG);
    assert.equal(png.get('content-type'), 'image/png');
    assert.deepEqual(items(png.get('vary')), ['negotiate', 'accept']);
    const jpeg = await get('/logo', ['Accept: image/jpeg, image/*;q=0.5']);
    assertChoice(jpeg, 'logo.jpeg', JPEG);
    assert.equal((await get('/logo', ['Accept: image/*'])).status, 300);
    assert.equal((await get('/logo', ['Accept: image/webp, text/html'])).status, 406);
  });

  test('a document stored plain and .gz: Accept-Encoding picks the coding', T, async () => {
    const gz = await get('/readme', ['Accept-Encoding: gzip, deflate, br']);
    assertChoice(gz, 'readme.txt.gz', README_GZ);
    assert.equal(gz.get('content-encoding'), 'gzip');
    assert.equal(gz.get('content-type'), 'text/plain; charset=utf-8');
    assert.deepEqual(items(gz.get('vary')), ['negotiate', 'accept-encoding']);
    // No Accept-Encoding, or gzip refused: the stored plain file, never a coding not asked for.
    const plain = await get('/readme');
    assertChoice(plain, 'readme.txt', README);
    assert.equal(plain.get('content-encoding'), undefined);
    assertChoice(await get('/readme', ['Accept-Encoding: gzip;q=0, identity']), 'readme.txt', README);
    assertChoice(await get('/readme', ['Accept-Encoding: gzip, identity;q=0']), 'readme.txt.gz', README_GZ);
    assert.equal((await get('/readme', ['Accept-Encoding: br, identity;q=0'])).status, 406);
    // Both codings of one document with different ETags.
    assert.notEqual(gz.get('etag'), plain.get('etag'));
  });

  test('a type map is requested by its own name: qs decides, Description is shown, unsafe URIs are left out', T, async () => {
    const res = await get('/movie.var');
    assertChoice(res, 'movie.html', '<p>script</p>\n');
    assert.equal(res.get('content-type'), 'text/html');
    const text = await get('/movie.var', ['Accept: text/plain, text/html;q=0.5']);
    assertChoice(text, 'movie.txt', 'script\n');
    const list = await get('/movie.var', ['Negotiate: trans']);
    assertErrorPage(list, 300);
    assert.equal(list.get('alternates'), '{"movie.txt" 0.5 {type text/plain} {length 7}}, {"movie.html" 0.9 {type text/html} {length 14}}');
    assert.ok(list.text.includes('The script as text'));
    assert.ok(!list.text.includes('outside') && !list.text.includes('hidden'));
  });

  test('a file that exists under the requested name is served as it is, never negotiated', T, async () => {
    const res = await get('/page.html.en', ['Accept-Language: ja']);
    assertStandardFields(res, 200);
    assert.equal(res.text, EN);
    for (const name of ['tcn', 'vary', 'content-location', 'alternates']) assert.ok(!res.has(name), `no ${name}`);
    assert.doesNotMatch(res.get('etag') ?? '', /;/);
    // The exact file is not negotiated; compression may still send its precompressed sibling
    // (readme.txt.gz, as nginx's gzip_static), as it is.
    const coded = await get('/readme.txt', ['Accept-Encoding: gzip']);
    assert.ok(!coded.has('tcn'));
    assert.equal(coded.get('content-encoding'), 'gzip');
    assert.deepEqual(coded.body, README_GZ);
    assert.equal((await get('/readme.txt')).text, README);
  });

  test('a request for name.lang negotiates among name.lang.*', T, async () => {
    const res = await get('/page.html.ja');
    assertChoice(res, 'page.html.ja.jis', JA);
    assert.deepEqual(items(res.get('vary')), ['negotiate']);
  });

  test('a directory whose index document exists only as variants negotiates it', T, async () => {
    const res = await get('/intl/', ['Accept-Language: de-DE, de;q=0.9, en;q=0.5']);
    assertChoice(res, 'index.html.de', 'deutscher Index\n');
    const list = await get('/intl/');
    assert.equal(list.status, 300);
    assert.ok(list.text.includes('<a href="index.html.de">'));
  });

  test('nothing to negotiate is still a 404, and unsafe methods are not negotiated', T, async () => {
    assertErrorPage(await get('/nothing'), 404);
    assertErrorPage(await get('/page.html/'), 404);
    assertErrorPage(await get('/page.html', ['Content-Length: 0'], 'POST'), 501);
  });

  test('conditionals on a negotiated response: 304 with the structured ETag keeps Vary, Content-Location and TCN', T, async () => {
    const first = await get('/page.html', ['Accept-Language: en']);
    const etag = first.get('etag') as string;
    const res = await get('/page.html', ['Accept-Language: en', `If-None-Match: ${etag}`]);
    assert.equal(res.status, 304);
    assert.equal(res.body.length, 0);
    assert.equal(res.get('etag'), etag);
    assert.equal(res.get('content-location'), 'page.html.en');
    assert.equal(res.get('tcn'), 'choice');
    assert.deepEqual(items(res.get('vary')), ['negotiate', 'accept-language', 'accept-charset']);
    // The plain file's own tag is not the negotiated response's.
    const plainTag = (await get('/page.html.en')).get('etag') as string;
    assert.equal((await get('/page.html', ['Accept-Language: en', `If-None-Match: ${plainTag}`])).status, 200);
    // Another variant's tag does not match either.
    const jaTag = (await get('/page.html', ['Accept-Language: ja'])).get('etag') as string;
    assert.notEqual(jaTag, etag);
    const failed = await get('/page.html', ['Accept-Language: en', `If-Match: ${jaTag}`]);
    assertErrorPage(failed, 412);
    assert.equal(failed.get('content-location'), 'page.html.en');
    assert.ok(failed.has('vary'));
    assert.equal((await get('/page.html', ['Accept-Language: en', `If-Match: ${etag}`])).status, 200);
    const since = await get('/page.html', ['Accept-Language: en', `If-Modified-Since: ${first.get('last-modified')}`]);
    assert.equal(since.status, 304);
  });

  test('ranges on a negotiated response: 206, If-Range with the structured ETag, 416 with Vary', T, async () => {
    const first = await get('/readme', ['Accept-Encoding: identity']);
    const etag = first.get('etag') as string;
    const part = await get('/readme', ['Accept-Encoding: identity', 'Range: bytes=2-6']);
    assert.equal(part.status, 206);
    assert.equal(part.get('content-range'), `bytes 2-6/${README.length}`);
    assert.equal(part.text, README.slice(2, 7));
    assert.equal(part.get('content-location'), 'readme.txt');
    assert.equal(part.get('tcn'), 'choice');
    const ifRange = await get('/readme', ['Accept-Encoding: identity', 'Range: bytes=0-0', `If-Range: ${etag}`]);
    assert.equal(ifRange.status, 206);
    const stale = await get('/readme', ['Accept-Encoding: identity', 'Range: bytes=0-0', 'If-Range: "old;tag"']);
    assert.equal(stale.status, 200);
    assert.equal(stale.text, README);
    const unsatisfiable = await get('/readme', ['Accept-Encoding: identity', 'Range: bytes=9999-']);
    assertErrorPage(unsatisfiable, 416);
    assert.equal(unsatisfiable.get('content-range'), `bytes */${README.length}`);
    assert.deepEqual(items(unsatisfiable.get('vary')), ['negotiate', 'accept-encoding']);
  });

  test('pipelined negotiated requests are answered in order, each by its own preferences', T, async () => {
    const requests = [
      request('GET', '/page.html', ['Accept-Language: ja']),
      request('HEAD', '/page.html', []),
      request('GET', '/page.html', ['Accept-Language: en']),
      request('GET', '/logo', ['Accept: image/png']),
      request('GET', '/page.html', ['Accept-Language: fr']),
      request('GET', '/page.html', ['Accept-Language: ja']),
    ].join('');
    const methods = ['GET', 'HEAD', 'GET', 'GET', 'GET', 'GET'];
    const { responses } = await rawExchange(porta.port, requests, { until: { responses: 6 }, methods });
    assert.deepEqual(
      responses.map((res) => res.status),
      [200, 300, 200, 200, 406, 200],
    );
    assert.equal(responses[0]?.text, JA);
    assert.equal(responses[1]?.body.length, 0);
    assert.equal(responses[2]?.text, EN);
    assert.deepEqual(responses[3]?.body, PNG);
    assert.equal(responses[5]?.text, JA);
  });

  test('malformed Accept fields are read leniently, never a 500', T, async () => {
    const odd = [
      'Accept: ;;;, /, text/, */html, ,,, text/html;q=abc;;level',
      'Accept-Language: en;q=2, ;q=, *-*, ja;q=0.5;;',
      'Accept-Charset: ,,;q=1.0000',
      'Accept-Encoding: ;, gzip;q=-1',
      'Negotiate: ,,',
    ];
    const res = await get('/page.html', odd);
    assert.ok([200, 300, 406].includes(res.status), `status ${res.status}`);
    assert.equal(porta.internalErrors.length, 0);
  });

  test('a new variant is seen within the cache freshness bound', T, async () => {
    assert.equal((await get('/page.html', ['Accept-Language: es'])).status, 406);
    await site.add({ 'page.html.es': 'Hola\n' });
    const deadline = Date.now() + 5000;
    let res = await get('/page.html', ['Accept-Language: es']);
    while (res.status !== 200 && Date.now() < deadline) res = await get('/page.html', ['Accept-Language: es']);
    assertChoice(res, 'page.html.es', 'Hola\n');
    assert.ok(res.get('vary')?.includes('accept-language'));
  });
});

describe('--no-multiviews', () => {
  test('turns negotiation off: variants are not chosen and a type map is served as a file', T, async () => {
    const site = await makeTempSite({ 'page.html.en': EN, 'page.var': 'URI: page.html.en\n' });
    try {
      await withPorta({ root: site.root, multiviews: false }, async (porta) => {
        assertErrorPage(await fetchOne(porta.port, request('GET', '/page.html', ['Accept-Language: en'])), 404);
        const map = await fetchOne(porta.port, request('GET', '/page.var'));
        assert.equal(map.status, 200);
        assert.equal(map.text, 'URI: page.html.en\n');
      });
    } finally {
      await site.cleanup();
    }
  });
});

describe('the auth control file among variants', () => {
  test('is never a variant, even when its name looks like one (guarded.html.ru)', T, async () => {
    // A valid control file, named like a Russian variant: it protects its folder and must
    // never be chosen, listed in Alternates or linked from the 300 page.
    const controlFile = ['authorization-type=Basic', 'realm="variants"', `bench:${createHash('md5').update('secret').digest('hex')}`, ''].join('\n');
    const site = await makeTempSite({
      'guarded/doc.html.en': 'english\n',
      'guarded/doc.html.de': 'deutsch\n',
      'guarded/doc.html.ru': controlFile,
    });
    const credentials = `Authorization: Basic ${Buffer.from('bench:secret').toString('base64')}`;
    try {
      await withPorta({ root: site.root, authFileName: 'doc.html.ru' }, async (porta) => {
        const get = (fields: string[]): Promise<ParsedResponse> => fetchOne(porta.port, request('GET', '/guarded/doc.html', fields));
        assert.equal((await get([])).status, 401, 'the control file protects its folder');
        const russianFirst = await get([credentials, 'Accept-Language: ru, en;q=0.5']);
        assertChoice(russianFirst, 'doc.html.en', 'english\n');
        const list = await get([credentials, 'Negotiate: vlist']);
        assert.equal(list.status, 300);
        assert.ok(list.get('alternates')?.includes('doc.html.de'));
        assert.ok(!list.get('alternates')?.includes('doc.html.ru'), list.get('alternates'));
        assert.ok(!list.text.includes('doc.html.ru'));
        assert.ok(!list.text.includes('bench:'));
        const onlyRussian = await get([credentials, 'Accept-Language: ru']);
        assert.ok(!onlyRussian.text.includes('bench:'), 'the hashes never leave the server');
        assert.notEqual(onlyRussian.status, 200);
      });
    } finally {
      await site.cleanup();
    }
  });
});
