/**
 * FileCache on its own (docs/performance.md: cached file metadata with correct invalidation: a
 * changed file is never served stale beyond the freshness window, and never with a
 * mismatched length). Small options make every bound reachable: a 200 ms window, bodies
 * of at most 1 KiB, a 4 KiB memory budget, 5 entries. The caches run on a clock of the
 * test's own, moved past the window instead of waited for.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rename, rm, stat, symlink, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HttpError } from '../../src/http/http-error.js';
import { FileCache, type CachedFile, type CachedTarget, type FileCacheOptions } from '../../src/site/file-cache.js';
import { strongEtag } from '../../src/site/file-validators.js';
import { DEFAULT_EXTENSION_MAPS } from '../../src/site/media-type.js';

const FRESHNESS_MS = 200;
/** Comfortably past the freshness window. */
const PAST_WINDOW_MS = FRESHNESS_MS + 60;
const HIDDEN = 'WeMustProtectThisHouse!';
const T = { timeout: 10_000 };

/** The caches' clock: a test moves it past the window instead of waiting for it. */
let clockNow = Date.now();
const clock = (): number => clockNow;
const passTheWindow = (): void => {
  clockNow += PAST_WINDOW_MS;
};

/** The cache key the site uses for a list of segments. */
function keyOf(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}

function asFile(target: CachedTarget | undefined, what: string): CachedFile {
  assert.ok(target !== undefined, `${what}: a cached target`);
  assert.equal(target.kind, 'file', `${what}: a file, got ${target.kind}`);
  return target as CachedFile;
}

function isHttpError(status: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof HttpError, `an HttpError, got ${String(error)}`);
    assert.equal(error.status, status);
    return true;
  };
}

/** Body, stats.size, ETag and the preformatted fields all describe the same bytes. */
function assertConsistent(file: CachedFile, expected: Buffer | undefined, what: string): void {
  if (expected !== undefined) {
    assert.ok(file.body !== undefined, `${what}: body held in memory`);
    assert.deepEqual(file.body, expected, `${what}: body bytes`);
    assert.equal(file.stats.size, expected.length, `${what}: stats.size`);
  }
  if (file.body !== undefined) assert.equal(file.body.length, file.stats.size, `${what}: body length = stats.size`);
  assert.equal(file.validators.etag, strongEtag(file.stats), `${what}: ETag made from the same stats`);
  const sizeInTag = /^"[0-9a-f]+-([0-9a-f]+)-[0-9a-f]+"$/.exec(file.validators.etag);
  assert.ok(sizeInTag, `${what}: ETag format ${file.validators.etag}`);
  assert.equal(parseInt(sizeInTag[1] as string, 16), file.stats.size, `${what}: size inside the ETag`);
  assert.ok(file.plain.fields.some(([name, value]) => name === 'ETag' && value === file.validators.etag), `${what}: the 200's fields carry the ETag`);
  assert.ok(file.validatorFields.some(([name, value]) => name === 'ETag' && value === file.validators.etag), `${what}: ETag validator field`);
}

/** The file as it is on disk now: the cached entry must agree with it. */
async function assertMatchesDisk(file: CachedFile, path: string, content: Buffer, what: string): Promise<void> {
  assertConsistent(file, content, what);
  const onDisk = await stat(path);
  assert.equal(file.validators.etag, strongEtag(onDisk), `${what}: ETag of the file now on disk`);
}

describe('FileCache', () => {
  let base: string;
  let root: string;
  let counter = 0;

  const options = (more: Partial<FileCacheOptions> = {}): FileCacheOptions => ({
    root,
    hiddenName: HIDDEN,
    extensionMaps: DEFAULT_EXTENSION_MAPS,
    maxFileBytes: 1024,
    memoryBudgetBytes: 4096,
    maxEntries: 5,
    freshnessMs: FRESHNESS_MS,
    clock,
    ...more,
  });

  /** A fresh sub-directory of the root for one test, so tests never share files. */
  const scratch = async (): Promise<{ dir: string; segments: (name: string) => string[] }> => {
    const name = `t${counter++}`;
    const dir = join(root, name);
    await mkdir(dir);
    return { dir, segments: (file) => [name, ...file.split('/')] };
  };

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'porta-file-cache-')));
    root = join(base, 'root');
    await mkdir(root);
    await writeFile(join(base, 'outside.txt'), 'secret outside the root\n');
    await mkdir(join(base, 'outside-dir'));
    await writeFile(join(base, 'outside-dir', 'x.txt'), 'x\n');
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  test('peek: undefined for an unknown key, without any I/O', () => {
    const cache = new FileCache(options());
    assert.equal(cache.peek('/nothing-here'), undefined);
    assert.equal(cache.peek('/'), undefined);
  });

  test('peek: the entry while fresh, undefined once the freshness window has passed', T, async () => {
    const { dir, segments } = await scratch();
    await writeFile(join(dir, 'a.txt'), 'hello\n');
    const cache = new FileCache(options());
    const key = keyOf(segments('a.txt'));
    const loaded = await cache.lookup(key, segments('a.txt'));
    assert.equal(cache.peek(key), loaded, 'fresh right after the lookup');
    assert.equal(cache.peek(key, clockNow + FRESHNESS_MS + 1), undefined, 'stale at now + window');
    passTheWindow();
    assert.equal(cache.peek(key), undefined, 'stale once the clock has passed the window');
    // An unchanged file is re-checked and trusted again: the same entry comes back.
    assert.equal(await cache.lookup(key, segments('a.txt')), loaded, 'unchanged: same entry reused');
    assert.equal(cache.peek(key), loaded, 'fresh again after the re-check');
  });

  test('lookup of a file: kind, real path, stats, body, ETag and Content-Type', T, async () => {
    const { dir, segments } = await scratch();
    const content = Buffer.from('<h1>hi</h1>\n');
    await writeFile(join(dir, 'page.html'), content);
    const cache = new FileCache(options());
    const file = asFile(await cache.lookup(keyOf(segments('page.html')), segments('page.html')), 'page.html');
    assert.equal(file.fsPath, join(dir, 'page.html'));
    assert.ok(file.stats.isFile());
    assert.match(file.contentType, /^text\/html/);
    assert.ok(file.representation.some(([name, value]) => name === 'Content-Type' && value === file.contentType));
    await assertMatchesDisk(file, join(dir, 'page.html'), content, 'page.html');
  });

  test('lookup of an empty file', T, async () => {
    const { dir, segments } = await scratch();
    await writeFile(join(dir, 'empty.txt'), '');
    const cache = new FileCache(options());
    const file = asFile(await cache.lookup(keyOf(segments('empty.txt')), segments('empty.txt')), 'empty');
    await assertMatchesDisk(file, join(dir, 'empty.txt'), Buffer.alloc(0), 'empty');
  });

  test('lookup of a directory and of the root', T, async () => {
    const { dir, segments } = await scratch();
    await mkdir(join(dir, 'sub'));
    const cache = new FileCache(options());
    const sub = await cache.lookup(keyOf(segments('sub')), segments('sub'));
    assert.equal(sub.kind, 'directory');
    assert.equal(sub.fsPath, join(dir, 'sub'));
    assert.ok(sub.kind === 'directory' && sub.stats.isDirectory());
    const top = await cache.lookup('/', []);
    assert.equal(top.kind, 'directory');
    assert.equal(top.fsPath, root);
  });

  test('lookup of a missing path: missing, and why (not found, or a segment that is not a directory)', T, async () => {
    const { dir, segments } = await scratch();
    await writeFile(join(dir, 'file.txt'), 'f\n');
    await mkdir(join(dir, 'sub'));
    const cache = new FileCache(options());
    for (const name of ['nope.txt', 'no-dir/deeper/x.txt', 'sub/nope']) {
      const resolution = await cache.resolve(keyOf(segments(name)), segments(name));
      assert.equal(resolution.target.kind, 'missing', name);
      assert.equal(resolution.target.kind === 'missing' && resolution.target.reason, 'not-found', name);
      assert.equal(resolution.trailingPath, '');
    }
    // A missing answer is cached like any other.
    assert.equal(cache.peek(keyOf(segments('nope.txt')))?.kind, 'missing');
  });

  test('a path that continues after a file resolves to the file and a trailing path (PATH_INFO)', T, async () => {
    const { dir, segments } = await scratch();
    await writeFile(join(dir, 'file.txt'), 'f\n');
    const cache = new FileCache(options());
    const resolution = await cache.resolve(keyOf(segments('file.txt/under/more')), segments('file.txt/under/more'));
    assert.equal(resolution.target.kind, 'file');
    assert.equal(resolution.target.fsPath, join(dir, 'file.txt'));
    assert.equal(resolution.trailingPath, '/under/more');
    assert.equal(cache.peekResolution(keyOf(segments('file.txt/under/more'))), resolution, 'cached like any other');
  });

  test('invalidate() makes a change visible at once, inside the freshness window', T, async () => {
    const { dir, segments } = await scratch();
    const path = join(dir, 'put.txt');
    const cache = new FileCache(options({ freshnessMs: 60_000 }));
    const key = keyOf(segments('put.txt'));
    assert.equal((await cache.lookup(key, segments('put.txt'))).kind, 'missing');
    await writeFile(path, 'new\n');
    assert.equal((await cache.lookup(key, segments('put.txt'))).kind, 'missing', 'stale within the window');
    cache.invalidate(path);
    assertConsistent(asFile(await cache.lookup(key, segments('put.txt')), 'after invalidate'), Buffer.from('new\n'), 'created');
    await writeFile(path, 'changed!\n');
    cache.invalidate(path);
    assertConsistent(asFile(await cache.lookup(key, segments('put.txt')), 'changed'), Buffer.from('changed!\n'), 'replaced');
    await unlink(path);
    cache.invalidate(path);
    assert.equal((await cache.lookup(key, segments('put.txt'))).kind, 'missing', 'deleted');
  });

  test('directory contents: cached, versioned, hidden names left out, invalidated', T, async () => {
    const { dir } = await scratch();
    await writeFile(join(dir, 'a.txt'), 'a\n');
    await writeFile(join(dir, HIDDEN), 'user:x\n');
    await writeFile(join(dir, '.porta-upload-123'), 'partial');
    await mkdir(join(dir, 'sub'));
    await symlink(join(base, 'outside.txt'), join(dir, 'escape.txt'));
    const cache = new FileCache(options({ freshnessMs: 60_000 }));
    const first = await cache.readDirectory(dir);
    assert.deepEqual(first.entries.map((e) => [e.name, e.kind]), [['a.txt', 'file'], ['sub', 'directory']]);
    assert.equal(cache.directories.peek(dir), first, 'fresh: served from memory');
    await writeFile(join(dir, 'b.txt'), 'b\n');
    cache.invalidate(join(dir, 'b.txt'));
    const second = await cache.readDirectory(dir);
    assert.notEqual(second.version, first.version, 'a new version once the contents changed');
    assert.ok(second.byName.has('b.txt'));
    cache.invalidate(join(dir, 'b.txt'));
    assert.equal((await cache.readDirectory(dir)).version, second.version, 'unchanged contents keep their version');
  });

  test('a missing file that appears is found once the window has passed', T, async () => {
    const { dir, segments } = await scratch();
    const cache = new FileCache(options());
    const key = keyOf(segments('late.txt'));
    assert.equal((await cache.lookup(key, segments('late.txt'))).kind, 'missing');
    await writeFile(join(dir, 'late.txt'), 'here now\n');
    passTheWindow();
    const file = asFile(await cache.lookup(key, segments('late.txt')), 'appeared');
    await assertMatchesDisk(file, join(dir, 'late.txt'), Buffer.from('here now\n'), 'appeared');
  });

  test('a deleted file is missing once the window has passed', T, async () => {
    const { dir, segments } = await scratch();
    await writeFile(join(dir, 'gone.txt'), 'soon gone\n');
    const cache = new FileCache(options());
    const key = keyOf(segments('gone.txt'));
    asFile(await cache.lookup(key, segments('gone.txt')), 'before');
    await unlink(join(dir, 'gone.txt'));
    passTheWindow();
    assert.equal((await cache.lookup(key, segments('gone.txt'))).kind, 'missing');
  });

  test('changed in place, same size, new mtime: trusted within the window, re-read after it', T, async () => {
    const { dir, segments } = await scratch();
    const path = join(dir, 'same-size.txt');
    await writeFile(path, 'aaaa\n');
    await utimes(path, new Date(1_600_000_000_000), new Date(1_600_000_000_000));
    const cache = new FileCache(options());
    const key = keyOf(segments('same-size.txt'));
    const first = asFile(await cache.lookup(key, segments('same-size.txt')), 'first');
    await assertMatchesDisk(first, path, Buffer.from('aaaa\n'), 'first');

    await writeFile(path, 'bbbb\n');
    await utimes(path, new Date(1_600_000_005_000), new Date(1_600_000_005_000));
    assert.equal((await stat(path)).ino, first.stats.ino, 'precondition: same inode');
    // Within the window the entry is trusted without touching the disk.
    assert.equal(await cache.lookup(key, segments('same-size.txt')), first, 'within the window: the cached entry');

    passTheWindow();
    const second = asFile(await cache.lookup(key, segments('same-size.txt')), 'second');
    assert.notEqual(second, first);
    await assertMatchesDisk(second, path, Buffer.from('bbbb\n'), 'second');
    assert.notEqual(second.validators.etag, first.validators.etag, 'a new ETag');
    assert.notEqual(second.validators.lastModified.getTime(), first.validators.lastModified.getTime(), 'a new Last-Modified');
  });

  test('changed in place, same size, same whole second of mtime (sub-second change only)', T, async () => {
    const { dir, segments } = await scratch();
    const path = join(dir, 'subsecond.txt');
    await writeFile(path, 'one\n');
    await utimes(path, 1_600_000_000.1, 1_600_000_000.1);
    const cache = new FileCache(options());
    const key = keyOf(segments('subsecond.txt'));
    const first = asFile(await cache.lookup(key, segments('subsecond.txt')), 'first');
    await writeFile(path, 'two\n');
    await utimes(path, 1_600_000_000.6, 1_600_000_000.6);
    passTheWindow();
    const second = asFile(await cache.lookup(key, segments('subsecond.txt')), 'second');
    await assertMatchesDisk(second, path, Buffer.from('two\n'), 'second');
    assert.notEqual(second.validators.etag, first.validators.etag, 'the strong ETag changes with the sub-second mtime');
  });

  test('changed in place to a different size', T, async () => {
    const { dir, segments } = await scratch();
    const path = join(dir, 'grow.txt');
    await writeFile(path, 'short\n');
    const cache = new FileCache(options());
    const key = keyOf(segments('grow.txt'));
    const first = asFile(await cache.lookup(key, segments('grow.txt')), 'first');
    const stamp = first.stats.mtime;
    const longer = Buffer.from('a much longer line than before\n');
    await writeFile(path, longer);
    // Even with the old mtime put back, the size alone tells.
    await utimes(path, stamp, stamp);
    passTheWindow();
    const grown = asFile(await cache.lookup(key, segments('grow.txt')), 'grown');
    await assertMatchesDisk(grown, path, longer, 'grown');
    assert.notEqual(grown.validators.etag, first.validators.etag);

    await truncate(path, 3);
    passTheWindow();
    const shrunk = asFile(await cache.lookup(key, segments('grow.txt')), 'shrunk');
    await assertMatchesDisk(shrunk, path, longer.subarray(0, 3), 'shrunk');
  });

  test('atomically replaced via rename, even with the same size and mtime (only the inode differs)', T, async () => {
    const { dir, segments } = await scratch();
    const path = join(dir, 'atomic.txt');
    await writeFile(path, 'version-1\n');
    const cache = new FileCache(options());
    const key = keyOf(segments('atomic.txt'));
    const first = asFile(await cache.lookup(key, segments('atomic.txt')), 'first');
    const temp = join(dir, '.atomic.tmp');
    await writeFile(temp, 'version-2\n');
    await utimes(temp, first.stats.atime, first.stats.mtime);
    await rename(temp, path);
    const now = await stat(path);
    assert.notEqual(now.ino, first.stats.ino, 'precondition: a new inode');
    passTheWindow();
    const second = asFile(await cache.lookup(key, segments('atomic.txt')), 'second');
    await assertMatchesDisk(second, path, Buffer.from('version-2\n'), 'second');
    assert.notEqual(second.validators.etag, first.validators.etag);
  });

  test('a file that grows beyond maxFileBytes loses its in-memory body; back under, it gets one again', T, async () => {
    const { dir, segments } = await scratch();
    const path = join(dir, 'varies.bin');
    await writeFile(path, Buffer.alloc(100, 1));
    const cache = new FileCache(options());
    const key = keyOf(segments('varies.bin'));
    asFile(await cache.lookup(key, segments('varies.bin')), 'small');
    await writeFile(path, Buffer.alloc(5000, 2));
    passTheWindow();
    const big = asFile(await cache.lookup(key, segments('varies.bin')), 'big');
    assert.equal(big.body, undefined);
    assert.equal(big.stats.size, 5000);
    assertConsistent(big, undefined, 'big');
    await writeFile(path, Buffer.alloc(200, 3));
    passTheWindow();
    const small = asFile(await cache.lookup(key, segments('varies.bin')), 'small again');
    await assertMatchesDisk(small, path, Buffer.alloc(200, 3), 'small again');
  });

  test('files above maxFileBytes have no in-memory body; exactly maxFileBytes does', T, async () => {
    const { dir, segments } = await scratch();
    await writeFile(join(dir, 'limit.bin'), Buffer.alloc(1024, 7));
    await writeFile(join(dir, 'over.bin'), Buffer.alloc(1025, 8));
    await writeFile(join(dir, 'huge.bin'), Buffer.alloc(64 * 1024, 9));
    const cache = new FileCache(options({ maxEntries: 50 }));
    const limit = asFile(await cache.lookup(keyOf(segments('limit.bin')), segments('limit.bin')), 'limit');
    await assertMatchesDisk(limit, join(dir, 'limit.bin'), Buffer.alloc(1024, 7), 'limit');
    for (const [name, size] of [['over.bin', 1025], ['huge.bin', 64 * 1024]] as const) {
      const file = asFile(await cache.lookup(keyOf(segments(name)), segments(name)), name);
      assert.equal(file.body, undefined, `${name}: no body in memory`);
      assert.equal(file.stats.size, size);
      assertConsistent(file, undefined, name);
      assert.equal(file.validators.etag, strongEtag(await stat(join(dir, name))));
      assert.equal(cache.peek(keyOf(segments(name))), file, `${name}: its metadata is still cached`);
    }
  });

  test('the memory budget: the sum of cached bodies never exceeds memoryBudgetBytes', T, async () => {
    const { dir, segments } = await scratch();
    const cache = new FileCache(options({ maxEntries: 1000 }));
    const names: string[] = [];
    const sizes = [1000, 700, 1024, 10, 900, 1024, 1024, 333, 1, 0, 999, 1024, 512, 1023, 800, 1024, 1024, 1024, 64, 1000];
    for (let i = 0; i < 60; i++) {
      const name = `f${i}.bin`;
      const size = sizes[i % sizes.length] as number;
      await writeFile(join(dir, name), Buffer.alloc(size, i % 256));
      names.push(name);
      const file = asFile(await cache.lookup(keyOf(segments(name)), segments(name)), name);
      assert.ok(file.body !== undefined, `${name}: the newest small file is held in memory`);
      assert.equal(cache.peek(keyOf(segments(name))), file, `${name}: the newest entry is cached`);
      let total = 0;
      for (const seen of names) {
        const cached = cache.peek(keyOf(segments(seen)));
        if (cached?.kind === 'file' && cached.body !== undefined) total += cached.body.length;
      }
      assert.ok(total <= 4096, `after ${name}: ${total} bytes of bodies cached, budget 4096`);
    }
  });

  test('the memory budget holds while entries are refreshed with new sizes', T, async () => {
    const { dir, segments } = await scratch();
    const cache = new FileCache(options({ maxEntries: 1000 }));
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const total = (): number => {
      let sum = 0;
      for (const name of names) {
        const cached = cache.peek(keyOf(segments(name)));
        if (cached?.kind === 'file' && cached.body !== undefined) sum += cached.body.length;
      }
      return sum;
    };
    for (let round = 0; round < 3; round++) {
      for (const [i, name] of names.entries()) {
        const size = ((round + 1) * 311 + i * 173) % 1025;
        await writeFile(join(dir, name), Buffer.alloc(size, round));
        const file = asFile(await cache.lookup(keyOf(segments(name)), segments(name)), `${name} round ${round}`);
        assertConsistent(file, Buffer.alloc(size, round), `${name} round ${round}`);
        assert.ok(total() <= 4096, `round ${round} ${name}: ${total()} bytes cached, budget 4096`);
      }
      passTheWindow();
    }
  });

  test('maxEntries bounds the number of entries (files, directories and missing paths alike)', T, async () => {
    const { dir, segments } = await scratch();
    const cache = new FileCache(options({ maxEntries: 5 }));
    const keys: string[] = [];
    const cachedCount = (): number => keys.filter((key) => cache.peek(key) !== undefined).length;
    for (let i = 0; i < 8; i++) {
      await writeFile(join(dir, `e${i}.txt`), `${i}\n`);
      const key = keyOf(segments(`e${i}.txt`));
      keys.push(key);
      await cache.lookup(key, segments(`e${i}.txt`));
      assert.equal(cache.peek(key)?.kind, 'file', `e${i}: the newest entry is cached`);
      assert.ok(cachedCount() <= 5, `after e${i}: ${cachedCount()} entries, bound 5`);
    }
    for (let i = 0; i < 20; i++) {
      const key = keyOf(segments(`missing-${i}`));
      keys.push(key);
      assert.equal((await cache.lookup(key, segments(`missing-${i}`))).kind, 'missing');
      assert.ok(cachedCount() <= 5, `after missing-${i}: ${cachedCount()} entries, bound 5`);
    }
    await mkdir(join(dir, 'd'));
    const dirKey = keyOf(segments('d'));
    keys.push(dirKey);
    assert.equal((await cache.lookup(dirKey, segments('d'))).kind, 'directory');
    assert.ok(cachedCount() <= 5);
    // Looking the same key up again does not push anything else out.
    const before = keys.filter((key) => cache.peek(key) !== undefined);
    await cache.lookup(dirKey, segments('d'));
    assert.deepEqual(keys.filter((key) => cache.peek(key) !== undefined), before);
  });

  test('a symlink leading outside the root: 403 HttpError; one inside the root is followed', T, async () => {
    const { dir, segments } = await scratch();
    await symlink(join(base, 'outside.txt'), join(dir, 'escape.txt'));
    await symlink(join(base, 'outside-dir'), join(dir, 'escape-dir'));
    await symlink('../../outside.txt', join(dir, 'relative-escape.txt'));
    await writeFile(join(dir, 'real.txt'), 'real\n');
    await symlink('real.txt', join(dir, 'inside.txt'));
    const cache = new FileCache(options());
    for (const name of ['escape.txt', 'escape-dir', 'escape-dir/x.txt', 'relative-escape.txt']) {
      await assert.rejects(cache.lookup(keyOf(segments(name)), segments(name)), isHttpError(403), name);
      assert.equal(cache.peek(keyOf(segments(name))), undefined, `${name}: the refusal is not cached as a target`);
      // And again: still refused, not served from some cached state.
      await assert.rejects(cache.lookup(keyOf(segments(name)), segments(name)), isHttpError(403), `${name} again`);
    }
    const inside = asFile(await cache.lookup(keyOf(segments('inside.txt')), segments('inside.txt')), 'inside');
    assert.equal(inside.fsPath, join(dir, 'real.txt'));
    assertConsistent(inside, Buffer.from('real\n'), 'inside');
  });

  test('a file that becomes a symlink leading outside is refused once the window has passed', T, async () => {
    const { dir, segments } = await scratch();
    const path = join(dir, 'turns.txt');
    await writeFile(path, 'innocent\n');
    const cache = new FileCache(options());
    const key = keyOf(segments('turns.txt'));
    asFile(await cache.lookup(key, segments('turns.txt')), 'before');
    await unlink(path);
    await symlink(join(base, 'outside.txt'), path);
    passTheWindow();
    await assert.rejects(cache.lookup(key, segments('turns.txt')), isHttpError(403));
  });

  test('the hidden name (auth control file) is 404 wherever it appears, even when it exists', T, async () => {
    const { dir, segments } = await scratch();
    await writeFile(join(dir, HIDDEN), 'user:secret\n');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', HIDDEN), 'user:secret\n');
    const cache = new FileCache(options());
    for (const name of [HIDDEN, `sub/${HIDDEN}`, `${HIDDEN}/below`, `no-such/${HIDDEN}`]) {
      await assert.rejects(cache.lookup(keyOf(segments(name)), segments(name)), isHttpError(404), name);
      assert.equal(cache.peek(keyOf(segments(name))), undefined, `${name}: nothing cached`);
    }
    await assert.rejects(cache.lookup(`/${HIDDEN}`, [HIDDEN]), isHttpError(404), 'at the root');
  });

  test('concurrent lookups of one key share one load', T, async () => {
    const { dir, segments } = await scratch();
    await writeFile(join(dir, 'shared.txt'), 'shared\n');
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(5000, 1));
    const cache = new FileCache(options());
    for (const name of ['shared.txt', 'big.bin', 'absent.txt']) {
      const key = keyOf(segments(name));
      const results = await Promise.all(Array.from({ length: 20 }, () => cache.lookup(key, segments(name))));
      for (const result of results) assert.equal(result, results[0], `${name}: every lookup resolves to the same object`);
      assert.equal(cache.peek(key), results[0], `${name}: and that object is the cached one`);
    }
    // Also after the window: the re-checks of many concurrent requests are one.
    await writeFile(join(dir, 'shared.txt'), 'shared, changed\n');
    passTheWindow();
    const key = keyOf(segments('shared.txt'));
    const again = await Promise.all(Array.from({ length: 20 }, () => cache.lookup(key, segments('shared.txt'))));
    for (const result of again) assert.equal(result, again[0]);
    assertConsistent(asFile(again[0], 'changed'), Buffer.from('shared, changed\n'), 'changed');
  });

  test('concurrent lookups of a refused path all reject, and a later lookup loads anew', T, async () => {
    const { dir, segments } = await scratch();
    await symlink(join(base, 'outside.txt'), join(dir, 'out.txt'));
    const cache = new FileCache(options());
    const key = keyOf(segments('out.txt'));
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => cache.lookup(key, segments('out.txt'))));
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.status === 'rejected' && outcome.reason instanceof HttpError && outcome.reason.status === 403);
    }
    await unlink(join(dir, 'out.txt'));
    await writeFile(join(dir, 'out.txt'), 'now a plain file\n');
    const file = asFile(await cache.lookup(key, segments('out.txt')), 'replaced');
    assertConsistent(file, Buffer.from('now a plain file\n'), 'replaced');
  });
});
