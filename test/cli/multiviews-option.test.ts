/** `--multiviews` / `--no-multiviews` and the config key `multiviews` (docs/serve.md): on by default. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseServeOptions } from '../../src/cli/serve-options.js';

const dir = mkdtempSync(join(tmpdir(), 'porta-multiviews-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('multiviews: on by default, off with --no-multiviews or the config key, the flag wins over the file', () => {
  assert.equal(parseServeOptions([dir], {}).multiviews, true);
  assert.equal(parseServeOptions([dir, '--no-multiviews'], {}).multiviews, false);
  const file = join(dir, 'porta.json');
  writeFileSync(file, JSON.stringify({ multiviews: false }));
  assert.equal(parseServeOptions([dir, '--config', file], {}).multiviews, false);
  assert.equal(parseServeOptions([dir, '--config', file, '--multiviews'], {}).multiviews, true);
});
