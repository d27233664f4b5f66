/**
 * `node dist/bench/hardening/round3-probes.js [--resets N] [--porta dist/src/cli/main.js]`:
 * the two round-3 findings that were a crash and a bypass (docs/hardening.md), measured on
 * the porta built here or on the entry point given with --porta (an older checkout's).
 *
 * 1. Aborted uploads: N authorised PUT heads (default 2,000), 8 at a time, each reset 0-2 ms
 *    after the head; then whether porta is still alive and how many temporary files are left
 *    once the last upload has had 5 s to clean up.
 * 2. Protected files through mappings: without credentials, a public type map naming a file
 *    in a protected subfolder, a MultiViews variant that is a symbolic link into it, and the
 *    link asked for by its own name: the status of each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PORTA_MAIN } from '../../test/helpers/spawn-porta.js';
import { fetchOne, request } from '../../test/helpers/raw-client.js';
import { numberFlag, parseFlags } from './flags.js';

const flags = parseFlags(process.argv.slice(2), ['resets', 'porta']);
const resets = numberFlag(flags, 'resets', 2000);
const main = resolve(flags.get('porta') ?? PORTA_MAIN);
const CONTROL = 'WeMustProtectThisHouse!';
const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const AUTH = `Authorization: Basic ${Buffer.from('alice:wonderland').toString('base64')}`;

interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  exited: boolean;
}

async function serve(root: string): Promise<Served> {
  const child = spawn(process.execPath, [main, 'serve', root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  const port = await new Promise<number>((done, fail) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const found = /127\.0\.0\.1:(\d+)\//.exec(text);
      if (found) done(Number(found[1]));
    });
    child.once('exit', () => fail(new Error(`porta exited at start: ${text}`)));
  });
  const served: Served = { child, port, exited: false };
  child.once('exit', () => (served.exited = true));
  return served;
}

function resetAfterHead(port: number, n: number): Promise<void> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(request('PUT', `/up/reset-${n}.txt`, [AUTH, 'Content-Length: 100000']));
      setTimeout(() => socket.resetAndDestroy(), n % 3);
    });
    socket.on('error', () => {});
    socket.on('close', () => done());
  });
}

async function abortedUploads(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'porta-r3-put-'));
  mkdirSync(join(root, 'up'));
  writeFileSync(join(root, 'up', CONTROL), `authorization-type=Basic\nrealm="Uploads"\nalice:${md5('wonderland')}\nALLOW-PUT\n`);
  const porta = await serve(root);
  let sent = 0;
  while (sent < resets && !porta.exited) {
    await Promise.all(Array.from({ length: 8 }, (_, i) => resetAfterHead(porta.port, sent + i)));
    sent += 8;
  }
  await new Promise((done) => setTimeout(done, 5000));
  const left = readdirSync(join(root, 'up')).filter((name) => name.startsWith('.porta-upload-')).length;
  console.log(`aborted uploads: ${sent} reset PUTs sent; porta ${porta.exited ? 'EXITED' : 'alive'}; ${left} temporary file(s) left`);
  porta.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}

async function authMappings(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'porta-r3-auth-'));
  mkdirSync(join(root, 'pub', 'inner'), { recursive: true });
  writeFileSync(join(root, 'pub', 'inner', 'secret.txt'), 'inner secret\n');
  writeFileSync(join(root, 'pub', 'inner', 'secret.html'), '<p>inner secret</p>\n');
  writeFileSync(join(root, 'pub', 'inner', CONTROL), `authorization-type=Basic\nrealm="Inner"\nalice:${md5('wonderland')}\n`);
  writeFileSync(join(root, 'pub', 'map.var'), 'URI: inner/secret.txt\nContent-Type: text/plain\n');
  symlinkSync('inner/secret.html', join(root, 'pub', 'page.html'));
  const porta = await serve(root);
  const statuses: string[] = [];
  for (const path of ['/pub/map.var', '/pub/page', '/pub/page.html']) {
    const response = await fetchOne(porta.port, request('GET', path, ['Accept: text/html, text/plain;q=0.5']));
    statuses.push(`${path} ${response.status}`);
  }
  console.log(`protected files through mappings, without credentials: ${statuses.join(', ')}`);
  porta.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}

console.log(`porta: ${main}`);
await abortedUploads();
await authMappings();
