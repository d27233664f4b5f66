import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_EXTENSION_MAPS, describeFileName, type ExtensionMaps } from '../../src/site/media-type.js';

test('index.html.ru.koi8-r is Russian koi8-r HTML (docs/serve.md, URLs, files and media types)', () => {
  assert.deepEqual({ ...describeFileName('index.html.ru.koi8-r') }, {
    type: 'text/html',
    language: 'ru',
    charset: 'koi8-r',
    encoding: undefined,
    contentType: 'text/html; charset=koi8-r',
    baseName: 'index',
    extensions: ['html', 'ru', 'koi8-r'],
  });
});

test('the suffixes may come in any order', () => {
  const a = describeFileName('index.ru.koi8-r.html');
  assert.equal(a.contentType, 'text/html; charset=koi8-r');
  assert.equal(a.language, 'ru');
});

test('text, JavaScript and JSON without a charset extension get the default charset (utf-8)', () => {
  assert.equal(describeFileName('index.html').contentType, 'text/html; charset=utf-8');
  assert.equal(describeFileName('notes.txt').contentType, 'text/plain; charset=utf-8');
  assert.equal(describeFileName('app.js').contentType, 'text/javascript; charset=utf-8');
  assert.equal(describeFileName('data.json').contentType, 'application/json; charset=utf-8');
  assert.equal(describeFileName('site.webmanifest').contentType, 'application/manifest+json; charset=utf-8');
  assert.equal(describeFileName('index.html').charset, undefined, 'the default is not a charset the name says');
  for (const name of ['photo.png', 'doc.pdf', 'blob.bin']) assert.ok(!describeFileName(name).contentType.includes('charset'), name);
});

test('the default charset can be changed or switched off', () => {
  const latin1: ExtensionMaps = { ...DEFAULT_EXTENSION_MAPS, defaultCharset: 'iso-8859-1' };
  assert.equal(describeFileName('a.txt', latin1).contentType, 'text/plain; charset=iso-8859-1');
  const off: ExtensionMaps = { ...DEFAULT_EXTENSION_MAPS, defaultCharset: undefined };
  assert.equal(describeFileName('a.txt', off).contentType, 'text/plain');
  assert.equal(describeFileName('a.html.koi8-r', latin1).contentType, 'text/html; charset=koi8-r', 'a named charset wins');
});

test('the fixed types of docs/serve.md, URLs, files and media types hold', () => {
  const fixed: Record<string, string> = {
    html: 'text/html',
    htm: 'text/html',
    txt: 'text/plain',
    xml: 'text/xml',
    png: 'image/png',
    jpeg: 'image/jpeg',
    jpg: 'image/jpeg',
    gif: 'image/gif',
    pdf: 'application/pdf',
    ppt: 'application/vnd.ms-powerpoint',
    doc: 'application/msword',
  };
  for (const [extension, type] of Object.entries(fixed)) {
    assert.equal(describeFileName(`f.${extension}`).type, type, extension);
  }
});

test('other types come from mime-db, registered types first', () => {
  assert.equal(describeFileName('app.css').type, 'text/css');
  assert.equal(describeFileName('app.js').type, 'text/javascript'); // IANA (RFC 9239) over apache
  assert.equal(describeFileName('clip.mp4').type, 'video/mp4');
  assert.equal(describeFileName('setup.exe').type, 'application/x-msdownload');
  assert.equal(describeFileName('font.woff2').type, 'font/woff2');
});

test('extensions are looked up case-insensitively, as mod_mime does', () => {
  assert.equal(describeFileName('0.JPEG').contentType, 'image/jpeg');
  assert.equal(describeFileName('PHOTO.JPG').contentType, 'image/jpeg');
  assert.equal(describeFileName('Image.PNG').contentType, 'image/png');
  assert.equal(describeFileName('README.HTML').contentType, 'text/html; charset=utf-8');
  assert.equal(describeFileName('index.HTML.RU.KOI8-R').contentType, 'text/html; charset=koi8-r');
  assert.equal(describeFileName('index.HTML.RU.KOI8-R').language, 'ru');
  assert.equal(describeFileName('old.ps.Z').encoding, 'compress');
  assert.deepEqual(describeFileName('A.Html').extensions, ['Html'], 'the name itself is kept as it is');
});

test('no recognised type is application/octet-stream', () => {
  for (const name of ['README', 'data.unknownext', 'empty', '']) {
    const d = describeFileName(name);
    assert.equal(d.type, undefined, name);
    assert.equal(d.contentType, 'application/octet-stream', name);
  }
});

test('compressed archives are application/gzip with no Content-Encoding (saved as they are)', () => {
  for (const name of ['pkg.tar.gz', 'pkg.tgz', 'blob.gz', 'PKG.TAR.GZ']) {
    const d = describeFileName(name);
    assert.equal(d.contentType, 'application/gzip', name);
    assert.equal(d.encoding, undefined, name);
  }
});

test('a compressed document keeps Apache\'s meaning: its type, with Content-Encoding', () => {
  const d = describeFileName('page.html.gz');
  assert.equal(d.contentType, 'text/html; charset=utf-8');
  assert.equal(d.encoding, 'gzip');
  assert.equal(describeFileName('old.ps.Z').encoding, 'compress');
  assert.equal(describeFileName('notes.txt.en.gz').language, 'en');
});

test('charset extensions map to charset names', () => {
  assert.equal(describeFileName('a.html.jis').contentType, 'text/html; charset=iso-2022-jp');
  assert.equal(describeFileName('a.euc-kr.html.ko').contentType, 'text/html; charset=euc-kr');
  assert.equal(describeFileName('a.euc-kr').contentType, 'application/octet-stream; charset=euc-kr');
});

test('every default language extension is a language', () => {
  for (const language of ['en', 'es', 'de', 'ja', 'ko', 'ru']) {
    const d = describeFileName(`index.html.${language}`);
    assert.equal(d.language, language);
    assert.equal(d.type, 'text/html');
  }
});

test('when several suffixes name a type, the last wins (Apache)', () => {
  assert.equal(describeFileName('a.txt.html').type, 'text/html');
  assert.equal(describeFileName('a.html.txt').type, 'text/plain');
});

test('an unknown suffix is ignored, as mod_mime does', () => {
  assert.equal(describeFileName('page.html.bak').type, 'text/html');
  assert.equal(describeFileName('page.bak.html').type, 'text/html');
});

test('the base name is what precedes the first dot; a leading dot belongs to it', () => {
  assert.deepEqual([describeFileName('.hidden').baseName, describeFileName('.hidden').extensions], ['.hidden', []]);
  const d = describeFileName('.profile.txt');
  assert.equal(d.baseName, '.profile');
  assert.equal(d.type, 'text/plain');
  assert.deepEqual(describeFileName('a..b.').extensions, ['b']);
  assert.equal(describeFileName('a.b.c').baseName, 'a');
});

test('custom maps replace the defaults', () => {
  const maps: ExtensionMaps = {
    languages: new Map([['fr', 'fr'], ['en-gb', 'en-GB']]),
    charsets: new Map([['utf8', 'utf-8']]),
    encodings: new Map([['br', 'br']]),
  };
  const d = describeFileName('doc.en-gb.html.utf8.br', maps);
  assert.equal(d.language, 'en-GB');
  assert.equal(d.contentType, 'text/html; charset=utf-8');
  assert.equal(d.encoding, 'br');
  // 'ru' is not a language under these maps, and the default cache is not consulted.
  assert.equal(describeFileName('index.html.ru', maps).language, undefined);
  assert.equal(describeFileName('index.html.ru').language, 'ru');
});

test('descriptions are cached and frozen', () => {
  const first = describeFileName('cached.html.en');
  assert.equal(describeFileName('cached.html.en'), first);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.extensions));
  // The cache is bounded: thousands of distinct names still work.
  for (let i = 0; i < 25_000; i++) describeFileName(`n${i}.txt`);
  assert.equal(describeFileName('cached.html.en').language, 'en');
});

const TYPE_EXTENSIONS = ['html', 'txt', 'png', 'pdf', 'css', 'tar'];
const LANGUAGES = [...DEFAULT_EXTENSION_MAPS.languages.keys()];
const CHARSETS = [...DEFAULT_EXTENSION_MAPS.charsets.keys()];
const ENCODINGS = [...DEFAULT_EXTENSION_MAPS.encodings.keys()];
const optional = (values: string[]) => fc.option(fc.constantFrom(...values), { nil: undefined });

test('property: any order of one type, language, charset, encoding and unknown suffix describes the same', () => {
  const suffixes = fc
    .tuple(optional(TYPE_EXTENSIONS), optional(LANGUAGES), optional(CHARSETS), optional(ENCODINGS), optional(['bak', 'v2']))
    .map((parts) => parts.filter((part): part is string => part !== undefined));
  const permuted = suffixes.chain((list) =>
    fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length })),
  );
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), permuted, (base, [ordered, shuffled]) => {
      const a = describeFileName([base, ...ordered].join('.'));
      const b = describeFileName([base, ...shuffled].join('.'));
      const { extensions: _a, ...restA } = a;
      const { extensions: _b, ...restB } = b;
      assert.deepEqual(restA, restB);
      assert.equal(a.baseName, base);
      assert.deepEqual([...b.extensions], shuffled);
    }),
  );
});

/** Arbitrary text, plus names built from dots and meaningful pieces (the interesting cases). */
const anyName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(fc.constantFrom('.', '..', 'a', 'html', 'gz', 'ru', 'Z', 'koi8-r', '\u00e9', '\0', '\ud800'), { maxLength: 8 })
    .map((parts) => parts.join('')),
);

test('property: never throws and always yields a usable Content-Type', () => {
  fc.assert(
    fc.property(anyName, (name) => {
      const d = describeFileName(name);
      assert.ok(d.contentType.startsWith(d.type ?? 'application/octet-stream'));
      assert.ok(!d.extensions.includes(''));
      if (d.charset !== undefined) assert.ok(d.contentType.endsWith(`; charset=${d.charset}`));
    }),
  );
});
