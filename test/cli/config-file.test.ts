import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseFlagsWithConfig } from '../../src/cli/config-file.js';
import { UsageError } from '../../src/cli/errors.js';
import type { FlagSpec } from '../../src/cli/flags.js';
import { parseServeOptions } from '../../src/cli/serve-options.js';

const dir = mkdtempSync(join(tmpdir(), 'porta-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

const SPECS: Record<string, FlagSpec> = {
  port: { kind: 'string' },
  lines: { kind: 'boolean' },
  'keep-alive': { kind: 'string' },
  header: { kind: 'list' },
};

function usageError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof UsageError && pattern.test(error.message));
}

describe('--config for every command', () => {
  test('file values fill in, flags win, camelCase keys map to long flags', () => {
    const file = configFile('a.json', JSON.stringify({ port: 7007, lines: true, keepAlive: '3', header: 'X: 1' }));
    const { flags } = parseFlagsWithConfig(['--config', file, '--port', '9000'], SPECS);
    assert.equal(flags.port, '9000');
    assert.equal(flags.lines, true);
    assert.equal(flags['keep-alive'], '3');
    assert.deepEqual(flags.header, ['X: 1']);
  });

  test('unknown key, wrong type, bad JSON, missing file: one clear usage error each', () => {
    usageError(() => parseFlagsWithConfig(['--config', configFile('b.json', '{"nope": 1}')], SPECS), /config key 'nope' .* is unknown/);
    usageError(() => parseFlagsWithConfig(['--config', configFile('c.json', '{"lines": "yes"}')], SPECS), /'lines' .* must be true or false/);
    usageError(() => parseFlagsWithConfig(['--config', configFile('d.json', '{oops')], SPECS), /not valid JSON/);
    usageError(() => parseFlagsWithConfig(['--config', configFile('e.json', '[1]')], SPECS), /must contain a JSON object/);
    usageError(() => parseFlagsWithConfig(['--config', join(dir, 'missing.json')], SPECS), /cannot read .*no such file/);
  });
});

describe('porta serve options', () => {
  test('defaults, $PORT, and flag over file over $PORT', () => {
    const defaults = parseServeOptions([dir], {});
    assert.equal(defaults.port, 8080);
    assert.equal(defaults.host, '0.0.0.0');
    assert.equal(defaults.keepAliveTimeoutMs, 5000);
    assert.equal(defaults.maxBodyBytes, 2097152);
    assert.deepEqual(defaults.indexNames, ['index.html']);
    assert.equal(parseServeOptions([dir], { PORT: '3000' }).port, 3000);
    const file = configFile('serve.json', JSON.stringify({ root: dir, port: 4000, keepAliveTimeout: 2.5, index: ['a.html', 'b.html'] }));
    const fromFile = parseServeOptions(['--config', file], { PORT: '3000' });
    assert.equal(fromFile.port, 4000);
    assert.equal(fromFile.root, dir);
    assert.equal(fromFile.keepAliveTimeoutMs, 2500);
    assert.deepEqual(fromFile.indexNames, ['a.html', 'b.html']);
    assert.equal(parseServeOptions(['--config', file, '--port', '5000'], {}).port, 5000);
  });

  test('service names resolve; bad values name the flag or key', () => {
    assert.equal(parseServeOptions([dir, '--port', 'http'], {}).port, 80);
    usageError(() => parseServeOptions([dir, '--port', 'no-such-service'], {}), /^--port: /);
    usageError(() => parseServeOptions([dir, '--port', '70000'], {}), /^--port: .*out of range/);
    usageError(() => parseServeOptions([dir, '--max-body', '-1'], {}), /--max-body/);
    usageError(() => parseServeOptions([dir, '--log-format', 'xml'], {}), /--log-format must be 'common', 'combined' or 'json'/);
    assert.equal(parseServeOptions([dir, '--log-format', 'json'], {}).logFormat, 'json');
    usageError(() => parseServeOptions([dir, '--bogus'], {}), /unknown flag --bogus/);
    usageError(() => parseServeOptions([join(dir, 'nope')], {}), /ROOT .* does not exist/);
    const file = configFile('bad-serve.json', JSON.stringify({ keepAliveTimeout: 'soon' }));
    usageError(() => parseServeOptions([dir, '--config', file], {}), /config key 'keepAliveTimeout' must be a number of seconds/);
    usageError(() => parseServeOptions([dir], { PORT: 'x y' }), /^\$PORT: /);
  });
});
