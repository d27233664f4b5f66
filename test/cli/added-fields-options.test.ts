/**
 * `porta serve` options for added fields, CORS, SPA, clean URLs and compression, as parsed
 * from flags and the config file (src/cli/serve-options.ts, added-fields-options.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../../src/cli/errors.js';
import { parseServeOptions } from '../../src/cli/serve-options.js';

const dir = mkdtempSync(join(tmpdir(), 'porta-fields-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const parse = (...args: string[]) => parseServeOptions([dir, ...args], {});

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof UsageError && pattern.test(error.message), `expected a UsageError matching ${pattern}`);
}

describe('serve options: added fields and site features', () => {
  test('--header (repeatable), --cache-control and --max-age become fields for every path', () => {
    const options = parse('--header', 'X-Frame-Options: DENY', '--header', 'Referrer-Policy:no-referrer', '--max-age', '600');
    assert.deepEqual(options.addedFields, [{ prefix: '/', fields: [['X-Frame-Options', 'DENY'], ['Referrer-Policy', 'no-referrer'], ['Cache-Control', 'max-age=600']] }]);
    assert.deepEqual(parse('--cache-control', 'no-store').addedFields, [{ prefix: '/', fields: [['Cache-Control', 'no-store']] }]);
    assert.deepEqual(parse().addedFields, []);
  });

  test('bad fields are usage errors naming the flag', () => {
    usageError(() => parse('--header', 'no colon'), /--header must look like 'Name: value'/);
    usageError(() => parse('--header', 'Bad Name: x'), /--header must look like/);
    usageError(() => parse('--header', 'Content-Length: 5'), /--header: Content-Length is set by porta itself/);
    usageError(() => parse('--header', 'X: a\u0001b'), /control character/);
    usageError(() => parse('--cache-control', 'no-cache', '--max-age', '5'), /use one of --cache-control and --max-age/);
    usageError(() => parse('--max-age', '-1'), /--max-age must be a whole number/);
  });

  test('the config file: headers per path prefix, as an object or a list', () => {
    const file = join(dir, 'porta.json');
    writeFileSync(file, JSON.stringify({ header: ['X-A: 1'], headers: { '/assets/': { 'Cache-Control': 'max-age=31536000, immutable' }, '/api/': ['X-B: 2'] } }));
    const options = parse('--config', file);
    assert.deepEqual(options.addedFields, [
      { prefix: '/', fields: [['X-A', '1']] },
      { prefix: '/api/', fields: [['X-B', '2']] },
      { prefix: '/assets/', fields: [['Cache-Control', 'max-age=31536000, immutable']] },
    ]);
    writeFileSync(file, JSON.stringify({ headers: { assets: { X: '1' } } }));
    usageError(() => parse('--config', file), /'assets' must be a path prefix starting with '\/'/);
    writeFileSync(file, JSON.stringify({ headers: ['X: 1'] }));
    usageError(() => parse('--config', file), /config key 'headers' in .* must be a JSON object/);
  });

  test('--spa, --clean-urls, --cors, --compress', () => {
    assert.equal(parse('--spa', 'index.html').spa, '/index.html');
    assert.equal(parse('--spa', '/app/shell.html').spa, '/app/shell.html');
    assert.equal(parse().spa, undefined);
    usageError(() => parse('--spa', '../secret.html'), /--spa must name a file under ROOT/);
    assert.equal(parse('--clean-urls').cleanUrls, true);
    assert.equal(parse('--cors').cors, true);
    assert.equal(parse().cors, false);
    assert.deepEqual(parse().compression, ['br', 'gzip']);
    assert.deepEqual(parse('--compress', 'off').compression, []);
    assert.deepEqual(parse('--compress', 'gzip').compression, ['gzip']);
    usageError(() => parse('--compress', 'zstd'), /--compress must be on, off, gzip or br/);
  });
});
