/**
 * The directory cache on its own: its memory budgets (names per folder, names over all
 * folders, least recently used first out), and re-reading a folder only when its own stat
 * changes, judged with a test clock instead of waiting for the freshness window.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DirectoryCache, type DirectoryCacheOptions } from '../../src/site/directory-cache.js';

const FRESHNESS_MS = 1000;
/** Long enough ago that the folder's stat vouches for its names (no change in the same clock tick). */
const LONG_AGO = new Date(Date.now() - 60_000);

describe('DirectoryCache', () => {
  let base: string;
  let now = 0;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'porta-dircache-')));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const cache = (options: Partial<DirectoryCacheOptions> = {}): DirectoryCache =>
    new DirectoryCache({ root: base, freshnessMs: FRESHNESS_MS, clock: () => now, maxEntries: 100, isHidden: () => false, ...options });

  /** A folder of `count` files named n0, n1... (or the given names), settled in the past. */
  async function folder(name: string, count: number): Promise<string> {
    const path = join(base, name);
    await mkdir(path);
    for (let i = 0; i < count; i++) await writeFile(join(path, `n${i}`), 'x');
    await utimes(path, LONG_AGO, LONG_AGO);
    return path;
  }

  test('the names over all folders stay within the budget, the least recently used folder going first', async () => {
    const [a, b, c] = [await folder('a', 4), await folder('b', 4), await folder('c', 4)];
    const directories = cache({ maxTotalEntries: 10 });
    await directories.read(a);
    await directories.read(b);
    assert.equal(directories.heldEntries, 8);
    assert.ok(directories.peek(a), 'a used again: b is now the least recently used');
    await directories.read(c);
    assert.equal(directories.heldEntries, 8);
    assert.ok(directories.peek(a));
    assert.equal(directories.peek(b), undefined, 'b forgotten to make room for c');
    assert.ok(directories.peek(c));
  });

  test('a folder keeps at most its cap of names and says it is incomplete', async () => {
    const big = await folder('capped', 8);
    const directories = cache({ maxEntriesPerDirectory: 5 });
    const contents = await directories.read(big);
    assert.equal(contents.complete, false);
    assert.equal(contents.entries.length, 5);
    assert.equal(directories.heldEntries, 5);
    const names = contents.entries.map((entry) => entry.name);
    assert.deepEqual(names, [...names].sort(), 'still sorted');
    const small = await folder('uncapped', 3);
    assert.equal((await directories.read(small)).complete, true);
  });

  test('re-read only when the folder itself changes: rewriting a file keeps the version, adding one makes a new one', async () => {
    const path = await folder('validated', 3);
    const directories = cache();
    const first = await directories.read(path);
    assert.deepEqual(first.entries.map((entry) => [entry.name, entry.kind]), [['n0', 'file'], ['n1', 'file'], ['n2', 'file']]);
    await writeFile(join(path, 'n1'), 'a longer content than before');
    await utimes(path, LONG_AGO, LONG_AGO);
    now += FRESHNESS_MS;
    assert.equal(directories.peek(path), undefined, 'past the window: checked again at the next read');
    assert.equal(await directories.read(path), first, 'the folder is unchanged: the same names, the same version');
    await writeFile(join(path, 'n3'), 'new');
    assert.equal(await directories.read(path), first, 'within the window the names are trusted');
    now += FRESHNESS_MS;
    const second = await directories.read(path);
    assert.notEqual(second.version, first.version);
    assert.ok(second.byName.has('n3'), 'the new file is seen');
  });

  test('a folder that is gone is forgotten', async () => {
    const path = await folder('doomed', 2);
    const directories = cache();
    await directories.read(path);
    const held = directories.heldEntries;
    await rm(path, { recursive: true });
    directories.invalidate(path);
    await assert.rejects(directories.read(path), { code: 'ENOENT' });
    assert.equal(directories.heldEntries, held - 2);
  });
});
