/**
 * `node dist/bench/hardening/big-folder.js [--files N] [--seconds S] [--porta dist/src/cli/main.js]`:
 * what a folder of many files costs porta (docs/hardening.md), on the porta built here or on
 * the entry point given with --porta (an older checkout's). A `porta serve` child (access
 * log off) serves a temporary folder of `--files` small files (default 50,000):
 *
 * 1. three listings of it one after the other (the time each takes to arrive whole), and the
 *    child's RSS before, after them and after 10 s idle;
 * 2. 10 keep-alive clients asking for names that do not exist in it, each a new name, for
 *    `--seconds` (default 15, at most 20): requests per second, all 404;
 * 3. small requests one after another while a listing (sizes no longer fresh) is sent:
 *    their median and longest time.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PORTA_MAIN } from '../../test/helpers/spawn-porta.js';
import { mib, rssOf } from './child.js';
import { numberFlag, parseFlags } from './flags.js';

const flags = parseFlags(process.argv.slice(2), ['files', 'seconds', 'porta']);
const files = numberFlag(flags, 'files', 50_000);
const seconds = Math.min(20, numberFlag(flags, 'seconds', 15));
const main = resolve(flags.get('porta') ?? PORTA_MAIN);

const base = mkdtempSync(join(tmpdir(), 'porta-big-folder-'));
const root = join(base, 'root');
mkdirSync(join(root, 'big'), { recursive: true });
writeFileSync(join(root, 'small.txt'), 'small\n');
for (let i = 0; i < files; i++) writeFileSync(join(root, 'big', `f${String(i).padStart(6, '0')}.txt`), `file ${i}\n`);

const child = spawn(process.execPath, [main, 'serve', root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off'], { stdio: ['ignore', 'ignore', 'pipe'] });
const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 120) * 1000);
const port = await new Promise<number>((done, fail) => {
  let text = '';
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    const found = /Local:\s+http:\/\/[^:]+:(\d+)\//.exec(text);
    if (found) done(Number(found[1]));
  });
  child.once('exit', () => fail(new Error(`porta exited before listening: ${text}`)));
});
const pid = child.pid as number;
const agent = new Agent({ keepAlive: true, maxSockets: 10 });

/** One GET, read to its end: status and body bytes. */
function fetchPath(path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((done, fail) => {
    httpGet({ host: '127.0.0.1', port, path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => done({ status: res.statusCode ?? 0, bytes }));
      res.on('error', fail);
    }).on('error', fail);
  });
}

const elapsedMs = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;

console.log(`big folder against ${main} (pid ${pid}): ${files} files; RSS at start ${mib(rssOf(pid))}`);
for (let i = 1; i <= 3; i++) {
  const started = process.hrtime.bigint();
  const { status, bytes } = await fetchPath('/big/');
  console.log(`listing ${i}: ${status}, ${bytes} bytes in ${(elapsedMs(started) / 1000).toFixed(2)} s`);
}
console.log(`RSS after 3 listings ${mib(rssOf(pid))}`);
await new Promise((done) => setTimeout(done, 10_000));
console.log(`RSS after 10 s idle ${mib(rssOf(pid))}`);

let asked = 0;
const statuses = new Map<number, number>();
const until = Date.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: 10 }, async () => {
    while (Date.now() < until) {
      const { status } = await fetchPath(`/big/missing-${asked++}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }),
);
const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
console.log(`10 clients asking for missing names: ${(answered / seconds).toFixed(1)} req/s over ${seconds} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

// Past the freshness window, so the listing reads sizes and dates again while it is sent.
await new Promise((done) => setTimeout(done, 1100));
let listingDone = false;
const listing = fetchPath('/big/').then(() => (listingDone = true));
const times: number[] = [];
while (!listingDone && times.length < 200) {
  const started = process.hrtime.bigint();
  await fetchPath('/small.txt');
  times.push(elapsedMs(started));
}
await listing;
times.sort((a, b) => a - b);
console.log(`${times.length} small requests during a listing: median ${(times[times.length >> 1] ?? 0).toFixed(1)} ms, longest ${(times[times.length - 1] ?? 0).toFixed(1)} ms`);
console.log(`RSS at the end ${mib(rssOf(pid))}`);

agent.destroy();
clearTimeout(killer);
child.kill('SIGTERM');
await new Promise((done) => child.once('exit', done));
rmSync(base, { recursive: true, force: true });
