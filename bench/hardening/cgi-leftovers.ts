/**
 * `node dist/bench/hardening/cgi-leftovers.js [--cycles N] [--porta dist/src/cli/main.js]`:
 * what CGI programs are left running by clients that leave (docs/hardening.md, round 3).
 *
 * Starts `porta serve --cgi-timeout 60` (the one built here, or the entry point given with
 * --porta, e.g. an older checkout's) on a site with two programs, then:
 * 1. N times (default 200): connect, send a request for a program that sleeps, close 5 ms
 *    later; 1 s after the last, count the programs still running;
 * 2. asks for a program that exits at once while a background child keeps its output open,
 *    and reports what came back within 10 s, and whether the child still runs 1 s later;
 * 3. counts porta's error lines and the stack-frame lines among them.
 * Whatever is still running at the end is killed by pid (only this run's programs carry its
 * marker in their command line).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PORTA_MAIN } from '../../test/helpers/spawn-porta.js';
import { numberFlag, parseFlags } from './flags.js';

const flags = parseFlags(process.argv.slice(2), ['cycles', 'porta']);
const cycles = numberFlag(flags, 'cycles', 200);
const main = resolve(flags.get('porta') ?? PORTA_MAIN);

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Pids of live processes whose command line (arguments NUL-separated) contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.charAt(stat.lastIndexOf(')') + 2) === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

const root = mkdtempSync(join(tmpdir(), 'porta-cgi-leftovers-'));
// A sleep of an odd length names this run's programs, and only them.
const marker = `59.${process.pid}`;
const orphanMarker = `58.${process.pid}`;
mkdirSync(join(root, 'bin'));
writeFileSync(join(root, 'bin/slow.cgi'), `#!/bin/sh\nexec sleep ${marker}\n`);
writeFileSync(join(root, 'bin/orphan.cgi'), `#!/bin/sh\nsleep ${orphanMarker} &\nexit 0\n`);
chmodSync(join(root, 'bin/slow.cgi'), 0o755);
chmodSync(join(root, 'bin/orphan.cgi'), 0o755);

const porta = spawn(process.execPath, [main, 'serve', root, '--host', '127.0.0.1', '--port', '0', '--cgi-timeout', '60', '--access-log', 'off'], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
porta.stderr.setEncoding('utf8');
const port = await new Promise<number>((ready, fail) => {
  porta.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    const match = /Local:\s+http:\/\/[^\s]*:(\d+)\//.exec(stderr);
    if (match) ready(Number(match[1]));
  });
  porta.on('exit', () => fail(new Error(`porta exited: ${stderr}`)));
});

const started = Date.now();
for (let i = 0; i < cycles; i++) {
  await new Promise<void>((done) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET /bin/slow.cgi HTTP/1.1\r\nHost: x\r\n\r\n');
      setTimeout(() => {
        socket.destroy();
        done();
      }, 5);
    });
    socket.on('error', () => done());
  });
}
console.log(`${cycles} connect-request-close cycles in ${Date.now() - started} ms`);
await sleep(1000);
console.log(`programs still running 1 s after the last client left: ${processesWith(marker).length}`);

const asked = Date.now();
const answer = await new Promise<string>((done) => {
  const socket = connect(port, '127.0.0.1', () => socket.write('GET /bin/orphan.cgi HTTP/1.1\r\nHost: x\r\n\r\n'));
  let data = '';
  const timer = setTimeout(() => {
    socket.destroy();
    done('no answer within 10 s');
  }, 10_000);
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    data += chunk;
    if (!data.includes('\r\n\r\n')) return;
    clearTimeout(timer);
    socket.destroy();
    done(`${data.slice(0, data.indexOf('\r\n'))} after ${Date.now() - asked} ms`);
  });
  socket.on('error', () => done('connection error'));
});
await sleep(1000);
console.log(`a program that exits while its child holds its output: ${answer}; the child still running 1 s later: ${processesWith(orphanMarker).length > 0 ? 'yes' : 'no'}`);

porta.kill('SIGTERM');
await new Promise((done) => porta.on('close', done));
const lines = stderr.split('\n');
console.log(`porta's error output: ${lines.filter((l) => l.startsWith('porta: error')).length} error lines, ${lines.filter((l) => /^\s+at /.test(l)).length} stack-frame lines`);

const left = [...processesWith(marker), ...processesWith(orphanMarker)];
for (const pid of left) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
}
if (left.length > 0) console.log(`killed ${left.length} left behind after porta stopped`);
rmSync(root, { recursive: true, force: true });
