import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAccessLog } from '../../src/log/sink.js';

const SINK_MODULE = new URL('../../src/log/sink.js', import.meta.url).href;

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'porta-log-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs an ES module script in a child node (sink's stdout/stderr must not mix with ours). */
function runScript(script: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { maxBuffer: 64 * 1024 * 1024, cwd: fileURLToPath(new URL('.', import.meta.url)) },
      (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr })),
    );
  });
}

const line = (i: number) => `127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /${i} HTTP/1.1" 200 ${i}\n`;

test('a file log gets every one of 10,000 lines, in order, by close()', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'access.log');
    const sink = await openAccessLog(path);
    for (let i = 0; i < 10_000; i++) sink.write(line(i));
    await sink.close();
    const lines = (await readFile(path, 'utf8')).split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 10_000);
    assert.ok(lines.every((l, i) => `${l}\n` === line(i)));
  });
});

test('a file log appends to what is there and is created 0644', async () => {
  await withTempDir(async (dir) => {
    const existing = join(dir, 'old.log');
    await writeFile(existing, 'earlier\n');
    const sink = await openAccessLog(existing);
    sink.write('later\n');
    await sink.close();
    assert.equal(await readFile(existing, 'utf8'), 'earlier\nlater\n');

    const fresh = join(dir, 'new.log');
    await (await openAccessLog(fresh)).close();
    const umask = process.umask();
    assert.equal((await stat(fresh)).mode & 0o777, 0o644 & ~umask);
  });
});

test('flush() puts the lines in the file; writes after close() are ignored', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'access.log');
    const sink = await openAccessLog(path);
    sink.write('one\n');
    sink.write('two\n');
    await sink.flush();
    assert.equal(await readFile(path, 'utf8'), 'one\ntwo\n');
    const closing = sink.close();
    sink.write('too late\n');
    await closing;
    await sink.close(); // idempotent
    sink.write('much too late\n');
    assert.equal(await readFile(path, 'utf8'), 'one\ntwo\n');
  });
});

test('snapshot() of a file log includes lines not yet flushed', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'access.log');
    await writeFile(path, 'from before\n');
    const sink = await openAccessLog(path);
    sink.write('just now\n');
    assert.equal((await sink.snapshot()).toString(), 'from before\njust now\n');
    await sink.close();
  });
});

test('an unopenable file rejects with a message naming the path and the reason', async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, 'no', 'such', 'access.log');
    await assert.rejects(openAccessLog(missing), { message: `cannot open access log ${missing}: no such directory` });
    await assert.rejects(openAccessLog(dir), { message: `cannot open access log ${dir}: is a directory` });
  });
});

test("'off' drops lines and has an empty snapshot", async () => {
  const sink = await openAccessLog('off');
  sink.write('ignored\n');
  await sink.flush();
  assert.equal((await sink.snapshot()).length, 0);
  await sink.close();
});

test("'-' writes every line to standard output by close(), and snapshot() returns them", async () => {
  const script = `
    import { openAccessLog } from ${JSON.stringify(SINK_MODULE)};
    const sink = await openAccessLog('-');
    for (let i = 0; i < 5000; i++) sink.write('line ' + i + '\\n');
    const snap = await sink.snapshot();
    sink.write('last\\n');
    await sink.close();
    process.stderr.write('snapshot ' + snap.length + ' ' + JSON.stringify(snap.subarray(-10).toString()));
  `;
  const { stdout, stderr } = await runScript(script);
  const lines = stdout.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 5001);
  assert.equal(lines[4999], 'line 4999');
  assert.equal(lines[5000], 'last');
  const expectedSnapshot = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join('');
  assert.equal(stderr, `snapshot ${expectedSnapshot.length} "line 4999\\n"`);
});

test('the stdout snapshot keeps only the most recent 1 MiB, starting at a whole line', async () => {
  const script = `
    import { openAccessLog } from ${JSON.stringify(SINK_MODULE)};
    const sink = await openAccessLog('-');
    const pad = 'x'.repeat(90);
    for (let i = 0; i < 30000; i++) {
      sink.write(i + ' ' + pad + '\\n');
      if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
    }
    const snap = (await sink.snapshot()).toString();
    await sink.close();
    process.stderr.write(JSON.stringify({ length: snap.length, first: snap.slice(0, 8), last: snap.slice(-8) }));
  `;
  const { stdout, stderr } = await runScript(script);
  assert.equal(stdout.split('\n').length, 30_001);
  const { length, first, last } = JSON.parse(stderr) as { length: number; first: string; last: string };
  assert.ok(length <= 1024 * 1024 && length > 1024 * 1024 - 200, String(length));
  assert.match(first, /^\d+ x/);
  assert.equal(last, 'xxxxxxx\n');
});

test('a full disk is reported once on stderr and the process keeps going', { skip: process.platform !== 'linux' }, async () => {
  const script = `
    import { openAccessLog } from ${JSON.stringify(SINK_MODULE)};
    const sink = await openAccessLog('/dev/full');
    sink.write('a\\n');
    await sink.flush();
    sink.write('b\\n');
    await sink.close();
    process.stdout.write('still running');
  `;
  const { stdout, stderr } = await runScript(script);
  assert.equal(stdout, 'still running');
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.match(stderr, /^porta: cannot write access log \/dev\/full: .*ENOSPC/);
});
