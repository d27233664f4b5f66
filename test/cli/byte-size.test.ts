/**
 * Byte sizes with suffixes (`--max-body 10MB`, `512k`, `1G`, plain bytes), read as nginx reads
 * them (k = 1024), from flags and the config file; a bad size is one line and exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseByteSize } from '../../src/cli/byte-size.js';
import { UsageError } from '../../src/cli/errors.js';
import { parseServeOptions } from '../../src/cli/serve-options.js';
import { rawExchange, request } from '../helpers/raw-client.js';
import { runPorta, startPorta } from '../helpers/spawn-porta.js';

const dir = mkdtempSync(join(tmpdir(), 'porta-sizes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MAX = Number.MAX_SAFE_INTEGER;

describe('byte sizes', () => {
  const good: Array<[string, number]> = [
    ['0', 0],
    ['1048576', 1048576],
    ['512k', 512 * 1024],
    ['512K', 512 * 1024],
    ['512KB', 512 * 1024],
    ['512kib', 512 * 1024],
    ['10MB', 10 * 1024 * 1024],
    ['10m', 10 * 1024 * 1024],
    ['10 MiB', 10 * 1024 * 1024],
    ['1G', 1024 ** 3],
    ['2gb', 2 * 1024 ** 3],
    ['100B', 100],
    [' 64k ', 64 * 1024],
  ];
  for (const [text, bytes] of good) {
    test(`'${text}' is ${bytes} bytes`, () => assert.equal(parseByteSize(text, '--max-body', 0, MAX), bytes));
  }

  for (const text of ['', '-1', '1.5M', '10XB', 'MB', '10 M B', '1T', '0x10', '10MBs', '1e6', '99999999999999999G']) {
    test(`'${text}' is refused with one line naming the flag`, () => {
      assert.throws(
        () => parseByteSize(text, '--max-body', 0, MAX),
        (error: unknown) => error instanceof UsageError && error.message.startsWith('--max-body must be') && !error.message.includes('\n'),
      );
    });
  }

  test('bounds are checked after the suffix', () => {
    assert.throws(() => parseByteSize('0k', '--max-uri', 16, MAX), /--max-uri must be between 16 and/);
    assert.equal(parseByteSize('1k', '--max-uri', 16, MAX), 1024);
  });

  test('porta serve: --max-body and --max-uri, from flags and from config keys (strings or numbers)', () => {
    const options = parseServeOptions([dir, '--max-body', '10MB', '--max-uri', '4k'], {});
    assert.equal(options.maxBodyBytes, 10 * 1024 * 1024);
    assert.equal(options.maxUriBytes, 4096);
    assert.equal(parseServeOptions([dir, '--max-body', '1048576'], {}).maxBodyBytes, 1048576);
    const file = join(dir, 'sizes.json');
    writeFileSync(file, JSON.stringify({ maxBody: '1G', maxUri: 8192 }));
    const fromFile = parseServeOptions(['--config', file, dir], {});
    assert.equal(fromFile.maxBodyBytes, 1024 ** 3);
    assert.equal(fromFile.maxUriBytes, 8192);
    writeFileSync(file, JSON.stringify({ maxBody: '5 apples' }));
    assert.throws(() => parseServeOptions(['--config', file, dir], {}), /config key 'maxBody' must be a size in bytes/);
  });

  test('the CLI applies --max-body 1k (a 1025-byte body is 413) and refuses --max-body 10XB with exit 2', { timeout: 20_000 }, async () => {
    const bad = await runPorta(['serve', dir, '--max-body', '10XB']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^porta: --max-body must be a size in bytes such as [^\n]+'10XB'\n$/);
    writeFileSync(join(dir, 'file.txt'), 'file\n');
    const server = startPorta(['serve', dir, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off', '--max-body', '1k']);
    try {
      const [, port] = (await server.waitForStderr(/Local: +http:\/\/[^:]+:(\d+)/, 10_000)) as unknown as [string, string];
      const post = (size: number) => rawExchange(Number(port), request('POST', '/file.txt', [`Content-Length: ${size}`, 'Connection: close']) + 'x'.repeat(size), { until: 'close' });
      assert.equal((await post(1025)).responses[0]?.status, 413);
      assert.notEqual((await post(1024)).responses[0]?.status, 413);
    } finally {
      await server.stop();
    }
  });
});
