// A file replaced over and over by rename(2) always exists, so realpath of it must never fail.
// Run with `npx bun scripts/repro/bun-realpath-rename.mjs` and with `node scripts/repro/...`:
// on Bun 1.4.5 realpath fails with ENOENT a few times a second (stat of the same path never
// does); on Node it never fails. Exit status 1 when the race showed.
//
// Why (strace): Bun's realpath opens the path with O_PATH and reads /proc/self/fd/N back; when
// the rename lands between the two, the open file is the unlinked old one, and Bun reports
// ENOENT instead of looking the path up again.
import fs from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runtime = typeof Bun === 'undefined' ? `node ${process.version}` : `bun ${Bun.version}`;
const dir = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), 'realpath-rename-')));
const file = join(dir, 'file.txt');
fs.writeFileSync(file, 'version 0\n');

// The writer: another process replacing the file by rename for 3 s.
const writerSource = `const fs = require('node:fs'); const file = process.argv.at(-1); const end = Date.now() + 3000;
for (let i = 1; Date.now() < end; i++) { fs.writeFileSync(file + '.tmp', 'version ' + i + '\\n'); fs.renameSync(file + '.tmp', file); }`;
const writer = spawn(process.execPath, ['-e', writerSource, file], { stdio: 'inherit' });
const writerDone = new Promise((resolve) => writer.on('close', resolve));

const tally = { realpath: { calls: 0, failures: {} }, stat: { calls: 0, failures: {} } };
async function probe(name, op) {
  tally[name].calls++;
  try {
    const result = await op(file);
    if (typeof result === 'string' && result !== file) throw Object.assign(new Error(result), { code: `wrong path ${result}` });
  } catch (error) {
    tally[name].failures[error.code] = (tally[name].failures[error.code] ?? 0) + 1;
  }
}
const until = Date.now() + 2500;
while (Date.now() < until) {
  await Promise.all([...Array.from({ length: 4 }, () => probe('realpath', realpath)), ...Array.from({ length: 4 }, () => probe('stat', stat))]);
}
await writerDone;
fs.rmSync(dir, { recursive: true, force: true });

console.log(runtime);
for (const [name, { calls, failures }] of Object.entries(tally)) console.log(`  ${name}: ${calls} calls, failures ${JSON.stringify(failures)}`);
const raced = Object.keys(tally.realpath.failures).length > 0;
console.log(raced ? '  realpath failed on a path that always existed' : '  no failure');
process.exitCode = raced ? 1 : 0;
