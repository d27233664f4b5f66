import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDirectoryListing, type ListingEntry } from '../../src/site/directory-listing.js';

const WHEN = new Date(Date.UTC(2024, 1, 29, 23, 7, 59));

function file(name: string, size = 0, modified = WHEN): ListingEntry {
  return { name, isDirectory: false, size, modified };
}
function dir(name: string): ListingEntry {
  return { name, isDirectory: true, size: 4096, modified: WHEN };
}

/** [href, text, size, time] of every row, in order. */
function rows(html: string): string[][] {
  const pattern = /<tr><td><a href="([^"]*)">([^<]*)<\/a><\/td><td class="size">([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g;
  return [...html.matchAll(pattern)].map((m) => m.slice(1));
}

test('a complete HTML5 document titled Index of the path', () => {
  const html = renderDirectoryListing('/docs/', [file('a.txt', 5)]);
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.match(html, /<meta charset="utf-8">/);
  assert.match(html, /<title>Index of \/docs\/<\/title>/);
  assert.match(html, /<h1>Index of \/docs\/<\/h1>/);
  assert.match(html, /<\/html>\n$/);
});

test('a parent link everywhere except at the root', () => {
  assert.deepEqual(rows(renderDirectoryListing('/a/b/', []))[0]?.slice(0, 2), ['../', '../']);
  assert.deepEqual(rows(renderDirectoryListing('/', [])), []);
});

test('directories first, each group sorted by name, directories marked', () => {
  const html = renderDirectoryListing('/', [file('b.txt'), dir('zeta'), file('a.txt'), dir('alpha'), file('B.txt')]);
  assert.deepEqual(
    rows(html).map((r) => r[1]),
    ['alpha/', 'zeta/', 'B.txt', 'a.txt', 'b.txt'],
  );
  const alpha = rows(html)[0]!;
  assert.equal(alpha[0], 'alpha/');
  assert.equal(alpha[2], '-');
});

test('hrefs percent-encode everything but unreserved characters; text is HTML-escaped', () => {
  const names = ['a b&c<d>.txt', `q"uote'!(x)*.html`, 'caf\u00e9.txt', 'x:y', '%41', 'ok-._~Z9'];
  const got = rows(renderDirectoryListing('/', names.map((n) => file(n))));
  const byText = new Map(got.map((r) => [r[1], r[0]]));
  assert.equal(byText.get('a b&amp;c&lt;d&gt;.txt'), 'a%20b%26c%3Cd%3E.txt');
  assert.equal(byText.get('q&quot;uote&#39;!(x)*.html'), 'q%22uote%27%21%28x%29%2A.html');
  assert.equal(byText.get('caf\u00e9.txt'), 'caf%C3%A9.txt');
  assert.equal(byText.get('x:y'), 'x%3Ay'); // never read as a scheme
  assert.equal(byText.get('%41'), '%2541');
  assert.equal(byText.get('ok-._~Z9'), 'ok-._~Z9');
  const dirRow = rows(renderDirectoryListing('/', [dir('my dir')]))[0]!;
  assert.deepEqual(dirRow.slice(0, 2), ['my%20dir/', 'my dir/']);
});

test('the path in the title is HTML-escaped', () => {
  const html = renderDirectoryListing('/<script>&/', []);
  assert.match(html, /<title>Index of \/&lt;script&gt;&amp;\/<\/title>/);
  assert.doesNotMatch(html, /<script>/);
});

test('sizes are human-readable', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [1023, '1023'],
    [1024, '1.0K'],
    [2048, '2.0K'],
    [1536, '1.5K'],
    [15 * 1024, '15K'],
    [1024 * 1024 - 1, '1.0M'],
    [1.5 * 1024 * 1024, '1.5M'],
    [3 * 1024 ** 3, '3.0G'],
  ];
  const got = rows(renderDirectoryListing('/', cases.map(([size], i) => file(`f${String(i).padStart(2, '0')}`, size))));
  assert.deepEqual(
    got.map((r) => r[2]),
    cases.map(([, shown]) => shown),
  );
});

test('modification times are YYYY-MM-DD HH:MM in UTC', () => {
  const got = rows(renderDirectoryListing('/', [file('a', 1, WHEN), file('b', 1, new Date(Number.NaN))]));
  assert.equal(got[0]![3], '2024-02-29 23:07');
  assert.equal(got[1]![3], '-');
});
