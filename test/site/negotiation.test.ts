/**
 * The negotiation algorithm without sockets: parsing the Accept* fields and type maps
 * (property-based: no input makes them throw or produce weights outside 0..1), the quality
 * of a variant, the choice, Vary, Alternates and the structured ETag.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Fields } from '../../src/http/fields.js';
import type { DirectoryContents, DirectoryEntry } from '../../src/site/directory-cache.js';
import { DEFAULT_EXTENSION_MAPS } from '../../src/site/media-type.js';
import { directoryVariants } from '../../src/site/negotiation/directory-variants.js';
import { preferenceKey } from '../../src/site/negotiation/negotiator.js';
import { readPreferences, type Preferences } from '../../src/site/negotiation/preferences.js';
import { charsetFactor, encodingFactor, languageFactor, QUALITY_ONE, typeFactor, variantQuality } from '../../src/site/negotiation/quality.js';
import { selectVariant, varyDimensions } from '../../src/site/negotiation/select.js';
import { parseTypeMap, typeMapUriSegments } from '../../src/site/negotiation/type-map.js';
import type { Variant } from '../../src/site/negotiation/variant.js';
import { buildVariantList, structuredEtag } from '../../src/site/negotiation/variant-list.js';

function fields(entries: Record<string, string>): Fields {
  const result = new Fields();
  for (const [name, value] of Object.entries(entries)) result.add(name.toLowerCase(), value);
  return result;
}

function prefs(entries: Record<string, string>): Preferences {
  return readPreferences(fields(entries));
}

function variant(uri: string, attributes: Partial<Variant> = {}): Variant {
  return {
    uri,
    label: uri,
    key: `/${uri}`,
    segments: [uri],
    type: 'text/html',
    typeParams: [],
    languages: [],
    charset: undefined,
    encoding: undefined,
    qs: 1000,
    size: undefined,
    declaredFields: undefined,
    declaredContentType: undefined,
    description: undefined,
    ...attributes,
  };
}

/** Field values as a client might send them: list syntax, q-values good and bad, junk. */
const fieldValue = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom('*', '*/*', 'text/*', 'text/html', 'en', 'en-us', 'gzip', 'identity', 'utf-8', '', ' '), fc.stringMatching(/^[a-z*/-]{0,10}$/)),
      fc.array(fc.oneof(fc.constantFrom('q=0', 'q=1', 'q=0.5', 'q=1.000', 'q=', 'q=2', 'q=-1', 'q=abc', 'level=1', '"', 'a="b;c"'), fc.string({ maxLength: 8 })), { maxLength: 3 }),
    ).map(([value, params]) => [value, ...params].join(';')),
    { maxLength: 6 },
  ).map((list) => list.join(', ')),
);

const preferenceFields = fc.record(
  { accept: fieldValue, 'accept-language': fieldValue, 'accept-charset': fieldValue, 'accept-encoding': fieldValue, negotiate: fieldValue },
  { requiredKeys: [] },
);

const anyVariant = fc
  .record({
    type: fc.option(fc.constantFrom('text/html', 'text/plain', 'image/png', 'application/json'), { nil: undefined }),
    languages: fc.array(fc.constantFrom('en', 'en-us', 'ja', 'de'), { maxLength: 2 }),
    charset: fc.option(fc.constantFrom('utf-8', 'iso-2022-jp', 'euc-kr'), { nil: undefined }),
    encoding: fc.option(fc.constantFrom('gzip', 'br', 'compress'), { nil: undefined }),
    qs: fc.integer({ min: 0, max: 1000 }),
  })
  .map((attributes) => variant('v', attributes));

describe('Accept* parsing (property-based)', () => {
  test('no field value makes readPreferences throw, and every weight is within 0..1', () => {
    fc.assert(
      fc.property(preferenceFields, (entries) => {
        const p = prefs(entries);
        for (const list of [p.types, p.languages, p.charsets, p.encodings]) {
          for (const item of list ?? []) assert.ok(Number.isInteger(item.q) && item.q >= 0 && item.q <= 1000, `q ${item.q}`);
        }
        for (const range of p.types ?? []) assert.ok(range.type !== '' && range.subtype !== '');
      }),
      { numRuns: 2000 },
    );
  });

  test('quality is an exact product of the four factors and qs, within 0..1', () => {
    fc.assert(
      fc.property(preferenceFields, anyVariant, (entries, v) => {
        const p = prefs(entries);
        const quality = variantQuality(v, p);
        assert.ok(Number.isSafeInteger(quality) && quality >= 0 && quality <= QUALITY_ONE);
        assert.equal(quality, typeFactor(v, p.types) * languageFactor(v, p.languages) * charsetFactor(v, p.charsets) * encodingFactor(v, p.encodings) * v.qs);
      }),
      { numRuns: 2000 },
    );
  });

  test('with no Accept* field every variant has its source quality', () => {
    fc.assert(
      fc.property(anyVariant, (v) => {
        assert.equal(variantQuality(v, prefs({})), v.qs * 1000 ** 4);
      }),
    );
  });

  test('the choice never depends on the order of equal outcomes: a tie between documents is never a choice', () => {
    fc.assert(
      fc.property(preferenceFields, fc.array(anyVariant, { minLength: 1, maxLength: 5 }), (entries, list) => {
        const variants = list.map((v, i) => ({ ...v, uri: `v${i}` }));
        const p = prefs(entries);
        const selection = selectVariant(variants, p);
        const qualities = variants.map((v) => variantQuality(v, p));
        const best = Math.max(...qualities);
        if (p.wantsList) assert.equal(selection.kind, 'list');
        else if (best === 0) assert.equal(selection.kind, 'none');
        else if (selection.kind === 'choice') assert.equal(variantQuality(selection.variant, p), best);
        else {
          assert.equal(selection.kind, 'list');
          assert.ok(qualities.filter((q) => q === best).length > 1, 'a list only for a tie');
        }
        const reversed = selectVariant([...variants].reverse(), p);
        assert.equal(reversed.kind, selection.kind);
        if (reversed.kind === 'choice' && selection.kind === 'choice') assert.equal(reversed.variant.uri, selection.variant.uri);
      }),
      { numRuns: 1000 },
    );
  });

  test('the cache key tells apart absent and empty fields, and repeated fields are joined', () => {
    assert.notEqual(preferenceKey(fields({})), preferenceKey(fields({ 'Accept-Encoding': '' })));
    const repeated = new Fields();
    repeated.add('accept-language', 'en');
    repeated.add('accept-language', 'ja');
    assert.equal(preferenceKey(repeated), preferenceKey(fields({ 'Accept-Language': 'en, ja' })));
  });
});

describe('quality factors', () => {
  test('Accept: the most specific matching range decides; an unlisted type gets 0', () => {
    const p = prefs({ Accept: 'text/*;q=0.3, text/html;q=0.7, text/html;level=1;q=0.9, */*;q=0.1' });
    assert.equal(typeFactor(variant('a'), p.types), 700);
    assert.equal(typeFactor(variant('a', { typeParams: [['level', '1']] }), p.types), 900);
    assert.equal(typeFactor(variant('a', { type: 'text/plain' }), p.types), 300);
    assert.equal(typeFactor(variant('a', { type: 'image/png' }), p.types), 100);
    assert.equal(typeFactor(variant('a', { type: 'image/png' }), prefs({ Accept: 'text/html' }).types), 0);
    assert.equal(typeFactor(variant('a', { charset: 'utf-8' }), prefs({ Accept: 'text/html;charset=UTF-8;q=0.4' }).types), 400);
  });

  test('Accept-Language: a range matches its tag and longer tags (en matches en-us), the longest match decides', () => {
    const p = prefs({ 'Accept-Language': 'en;q=0.5, en-us;q=0.9, *;q=0.1' });
    assert.equal(languageFactor(variant('a', { languages: ['en-us'] }), p.languages), 900);
    assert.equal(languageFactor(variant('a', { languages: ['en-gb'] }), p.languages), 500);
    assert.equal(languageFactor(variant('a', { languages: ['ja'] }), p.languages), 100);
    assert.equal(languageFactor(variant('a', { languages: ['eng'] }), prefs({ 'Accept-Language': 'en' }).languages), 0);
    assert.equal(languageFactor(variant('a', { languages: ['en'] }), prefs({ 'Accept-Language': 'en-us' }).languages), 0);
    // No language: not penalised.
    assert.equal(languageFactor(variant('a'), prefs({ 'Accept-Language': 'ja' }).languages), 1000);
  });

  test('Accept-Charset: listed, `*`, unlisted 0; a variant naming no charset is not penalised', () => {
    const p = prefs({ 'Accept-Charset': 'euc-kr;q=0.6, *;q=0.2' });
    assert.equal(charsetFactor(variant('a', { charset: 'euc-kr' }), p.charsets), 600);
    assert.equal(charsetFactor(variant('a', { charset: 'koi8-r' }), p.charsets), 200);
    assert.equal(charsetFactor(variant('a', { charset: 'koi8-r' }), prefs({ 'Accept-Charset': 'utf-8' }).charsets), 0);
    assert.equal(charsetFactor(variant('a'), p.charsets), 1000);
  });

  test('Accept-Encoding: identity is acceptable unless excluded; codings need naming or `*`; empty means identity only', () => {
    const gz = variant('a', { encoding: 'gzip' });
    const plain = variant('b');
    assert.equal(encodingFactor(gz, prefs({ 'Accept-Encoding': 'x-gzip;q=0.8' }).encodings), 800);
    assert.equal(encodingFactor(gz, prefs({ 'Accept-Encoding': 'br' }).encodings), 0);
    assert.equal(encodingFactor(plain, prefs({ 'Accept-Encoding': 'br' }).encodings), 1000);
    assert.equal(encodingFactor(plain, prefs({ 'Accept-Encoding': '*;q=0' }).encodings), 0);
    assert.equal(encodingFactor(plain, prefs({ 'Accept-Encoding': 'identity;q=0.5, *;q=0' }).encodings), 500);
    assert.equal(encodingFactor(gz, prefs({ 'Accept-Encoding': '*;q=0.3' }).encodings), 300);
    assert.equal(encodingFactor(gz, prefs({ 'Accept-Encoding': '' }).encodings), 0);
    assert.equal(encodingFactor(plain, prefs({ 'Accept-Encoding': '' }).encodings), 1000);
  });
});

describe('choosing', () => {
  const en = variant('page.html.en', { languages: ['en'], size: 10 });
  const ja = variant('page.html.ja.jis', { languages: ['ja'], charset: 'iso-2022-jp', size: 10 });

  test('the README worked example', () => {
    const p = prefs({
      Accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
      'Accept-Language': 'ja, en;q=0.7',
      'Accept-Charset': 'utf-8, iso-2022-jp;q=0.5',
    });
    assert.equal(variantQuality(en, p) / QUALITY_ONE, 0.7);
    assert.equal(variantQuality(ja, p) / QUALITY_ONE, 0.5);
    const ko = variant('page.html.ko.euc-kr', { languages: ['ko'], charset: 'euc-kr' });
    assert.equal(variantQuality(ko, p), 0);
    const selection = selectVariant([en, ja, ko], p);
    assert.equal(selection.kind, 'choice');
    assert.equal(selection.kind === 'choice' ? selection.variant.uri : '', 'page.html.en');
  });

  test('exact ties are exact: 0.3 x 0.6 and 0.9 x 0.2 tie (integer thousandths), so the answer is the list', () => {
    const a = variant('a', { type: 'text/html', languages: ['en'] });
    const b = variant('b', { type: 'text/plain', languages: ['ja'] });
    const p = prefs({ Accept: 'text/html;q=0.3, text/plain;q=0.9', 'Accept-Language': 'en;q=0.6, ja;q=0.2' });
    assert.equal(variantQuality(a, p), variantQuality(b, p));
    assert.equal(selectVariant([a, b], p).kind, 'list');
  });

  test('codings of one document: a coding named by the request, then identity, then the smaller file', () => {
    const plain = variant('doc.txt', { type: 'text/plain', size: 100 });
    const gz = variant('doc.txt.gz', { type: 'text/plain', encoding: 'gzip', size: 40 });
    const br = variant('doc.txt.br', { type: 'text/plain', encoding: 'br', size: 30 });
    const pick = (entries: Record<string, string>): string => {
      const selection = selectVariant([plain, gz, br], prefs(entries));
      return selection.kind === 'choice' ? selection.variant.uri : selection.kind;
    };
    assert.equal(pick({}), 'doc.txt');
    assert.equal(pick({ 'Accept-Encoding': '*' }), 'doc.txt');
    assert.equal(pick({ 'Accept-Encoding': 'gzip' }), 'doc.txt.gz');
    assert.equal(pick({ 'Accept-Encoding': 'gzip, br' }), 'doc.txt.br');
    assert.equal(pick({ 'Accept-Encoding': 'gzip, br;q=0.5' }), 'doc.txt.gz');
    assert.equal(pick({ 'Accept-Encoding': 'identity;q=0, *;q=0' }), 'none');
  });

  test('Vary names negotiate and only the dimensions that differ', () => {
    assert.equal(varyDimensions([en, ja]), 'negotiate, accept-language, accept-charset');
    assert.equal(varyDimensions([en]), 'negotiate');
    assert.equal(varyDimensions([variant('a', { type: 'image/png' }), variant('b', { type: 'image/jpeg' })]), 'negotiate, accept');
  });

  test('Alternates and the structured ETag (RFC 2295 sections 8.3 and 9.2)', () => {
    const list = buildVariantList([en, variant('p.txt', { type: 'text/plain', qs: 500, encoding: 'gzip' })]);
    assert.equal(list.alternates, '{"page.html.en" 1 {type text/html} {language en} {length 10}}, {"p.txt" 0.5 {type text/plain} {encoding gzip}}');
    const etag = structuredEtag('"abc-1"', list);
    assert.match(etag, /^"abc-1;[A-Za-z0-9_-]+"$/);
    assert.equal(structuredEtag('W/"x"', list), `W/"x;${list.validator}"`);
    assert.notEqual(buildVariantList([en]).validator, list.validator, 'another list, another validator');
  });
});

describe('type maps', () => {
  test('records, parameters, qs, languages, codings and continuation lines', () => {
    const records = parseTypeMap(
      'URI: doc\n\nURI: doc.en.html\nContent-type: text/html; charset=ISO-8859-1; qs=0.4;level=2\nContent-Language: en,\n  en-GB\n\r\n' +
        'URI: doc.gz\ncontent-encoding: x-gzip\nDescription: compressed\n\nnot a field line\n\nContent-Type: text/plain\n',
    );
    assert.equal(records.length, 3);
    assert.deepEqual(records[1], {
      uri: 'doc.en.html',
      type: 'text/html',
      typeParams: [['level', '2']],
      charset: 'iso-8859-1',
      qs: 400,
      languages: ['en', 'en-gb'],
      encoding: undefined,
      description: undefined,
    });
    assert.equal(records[2]?.encoding, 'gzip');
    assert.equal(records[2]?.description, 'compressed');
  });

  test('URIs: relative paths in the map directory only', () => {
    assert.deepEqual(typeMapUriSegments('a/b%20c.html'), ['a', 'b c.html']);
    for (const bad of ['../x', '/abs', 'http://h/x', 'a//b', './x', 'a b', 'x?q', '%2e%2e/x', '%zz', 'a%2fb']) {
      assert.equal(typeMapUriSegments(bad), undefined, bad);
    }
  });

  test('no text makes the parser throw; URIs never escape the directory', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('URI: ../a', 'URI: a', 'Content-Type: text/html; qs=x', '', ' cont', 'Content-Language: ,,')), { maxLength: 30 }), (lines) => {
        for (const record of parseTypeMap(lines.join('\n'))) {
          assert.ok(record.qs >= 0 && record.qs <= 1000);
          const segments = typeMapUriSegments(record.uri);
          for (const segment of segments ?? []) assert.ok(segment !== '..' && segment !== '.' && !segment.includes('/'));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('variants in a directory', () => {
  const entry = (name: string, kind: 'file' | 'directory' = 'file'): DirectoryEntry => ({ name, kind });
  const contents = (names: Array<string | DirectoryEntry>): DirectoryContents => {
    const entries = names.map((n) => (typeof n === 'string' ? entry(n) : n)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { fsPath: '/x', version: 1, entries, byName: new Map(entries.map((e) => [e.name, e])), complete: true, details: undefined };
  };

  test('name.* files whose every extension means something, in name order; nothing else', () => {
    const dir = contents([
      'page', 'page-2.html', 'page.', 'page.HTML.EN', 'page.html.en', 'page.html.en.bak', 'page.html.ja.jis', 'page.htmlx',
      'page.var', 'page.zz', 'pag.html', 'page.html.gz', entry('page.de', 'directory'), 'pagf.html', 'a.html', 'z.html',
    ]);
    const found = directoryVariants(dir, 'page', '/d/', ['d'], DEFAULT_EXTENSION_MAPS);
    assert.deepEqual(found.map((v) => v.uri), ['page.HTML.EN', 'page.html.en', 'page.html.gz', 'page.html.ja.jis']);
    assert.deepEqual(found[3]?.segments, ['d', 'page.html.ja.jis']);
    assert.equal(found[3]?.key, '/d/page.html.ja.jis');
    assert.equal(found[3]?.charset, 'iso-2022-jp');
    assert.equal(found[2]?.encoding, 'gzip');
    assert.deepEqual(directoryVariants(dir, 'page.html', '/d/', ['d'], DEFAULT_EXTENSION_MAPS).map((v) => v.uri), ['page.html.en', 'page.html.gz', 'page.html.ja.jis']);
    assert.deepEqual(directoryVariants(dir, 'nothing', '/d/', ['d'], DEFAULT_EXTENSION_MAPS), []);
  });

  test('found by binary search exactly as a scan would find them (property)', () => {
    const names = fc.uniqueArray(fc.stringMatching(/^(page|pag|pagez?)?(\.(html|en|ja|gz|bak|x))*$/), { maxLength: 30 });
    fc.assert(
      fc.property(names, (list) => {
        const dir = contents(list);
        const found = directoryVariants(dir, 'page', '/', [], DEFAULT_EXTENSION_MAPS).map((v) => v.label);
        const scanned = dir.entries.map((e) => e.name).filter((n) => n.startsWith('page.') && !n.endsWith('.var') && n.slice(5).split('.').some((x) => x !== '') && n.slice(5).split('.').every((x) => x === '' || ['html', 'en', 'ja', 'gz'].includes(x)));
        assert.deepEqual(found, scanned);
      }),
      { numRuns: 500 },
    );
  });
});
