/**
 * `npm run soak -- [--minutes N]` (default 10): mixed load against a `porta serve` child
 * process for N minutes, printing its RSS and open descriptors every 10 s; exits 1 if either
 * keeps growing, if porta stops answering or if it does not stop cleanly.
 *
 * The mix, each in its own loop: keep-alive GETs of small files, 404s, ranges and conditionals;
 * GETs of an 8 MiB file; pipelined batches of 20 requests; slow readers of the large file;
 * clients that disconnect in the middle of a response; request bodies: POST to a static file
 * (501) with Content-Length and chunked, PUT uploads with Basic credentials into a folder
 * whose control file allows PUT and DELETE (201/204, every tenth file deleted again), and
 * POST to a CGI program that echoes its input.
 *
 * "Keeps growing": over the second half of the run, the least-squares line through the samples
 * rises by more than RSS_GROWTH_LIMIT (16 MiB, or 10% of the mean RSS if larger) or
 * FD_GROWTH_LIMIT (8 descriptors). The first half is warm-up (caches, buffers, JIT).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { connect } from 'node:net';
import { readResponseAt } from '../../test/helpers/raw-client.js';
import { descriptorsOf, fittedGrowth, mib, rssOf, startPortaChild } from './child.js';
import { numberFlag, parseFlags } from './flags.js';

const RSS_GROWTH_LIMIT = 16 * 1024 * 1024;
const FD_GROWTH_LIMIT = 8;
const SAMPLE_MS = 10_000;

const flags = parseFlags(process.argv.slice(2), ['minutes']);
const minutes = numberFlag(flags, 'minutes', 10);
const durationMs = minutes * 60_000;

const LARGE = 8 * 1024 * 1024;
const child = await startPortaChild(
  {
    'small.txt': 'small file\n',
    '2k.txt': Buffer.alloc(2048, 0x61),
    'index.html': `<!doctype html><title>soak</title>${'<p>text that compresses</p>'.repeat(100)}`,
    'large.bin': Buffer.alloc(LARGE, 0x62),
    // The upload folder's auth control file (docs/serve.md): Basic, one user, PUT and DELETE allowed.
    'uploads/WeMustProtectThisHouse!': `authorization-type=Basic\nrealm="soak"\nsoak:${createHash('md5').update('soak').digest('hex')}\nALLOW-PUT\nALLOW-DELETE\n`,
    'echo.cgi': '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\ncat\n',
  },
  ['--access-log', '/dev/null', '--send-timeout', '10', '--keep-alive-timeout', '5'],
  durationMs + 120_000,
  ['echo.cgi'],
);
const { port, pid } = child;
console.log(`porta soak: ${minutes} min against porta serve (pid ${pid}, port ${port}); sample every ${SAMPLE_MS / 1000} s`);

// Idle sockets are dropped before porta's keep-alive timeout (5 s), so that the agent does not
// reuse one the server is closing (that race is the client's, not a server fault).
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 3000 });
const statuses = new Map<string, number>();
let completed = 0;
let failures = 0;
const errors = new Map<string, number>();
const count = (kind: string, status: number | string): void => {
  const key = `${kind} ${status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
  completed++;
};
const fail = (kind: string, error: unknown): void => {
  failures++;
  const key = `${kind}: ${error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error)}`;
  errors.set(key, (errors.get(key) ?? 0) + 1);
};

let running = true;
const endAt = Date.now() + durationMs;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One request with node:http over the keep-alive agent; resolves with the status and body length. */
function call(method: string, path: string, headers: http.OutgoingHttpHeaders = {}, body?: Buffer | Buffer[]): Promise<{ status: number; length: number; etag?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent, timeout: 30_000 }, (res) => {
      let length = 0;
      res.on('data', (chunk: Buffer) => (length += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, length, etag: res.headers.etag }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const piece of body) req.write(piece);
      req.end();
    } else {
      req.end(body);
    }
  });
}

async function loop(kind: string, step: () => Promise<void>): Promise<void> {
  while (running) {
    try {
      await step();
    } catch (error) {
      fail(kind, error);
      await sleep(50);
    }
  }
}

const small = async (): Promise<void> => {
  const r = await call('GET', '/small.txt');
  count('get', r.status);
  count('404', (await call('GET', '/missing.txt')).status);
  count('range', (await call('GET', '/2k.txt', { range: 'bytes=100-199' })).status);
  count('multirange', (await call('GET', '/2k.txt', { range: 'bytes=0-9,100-109' })).status);
  if (r.etag) count('conditional', (await call('GET', '/small.txt', { 'if-none-match': r.etag })).status);
  count('gzip', (await call('GET', '/index.html', { 'accept-encoding': 'gzip, br' })).status);
  count('head', (await call('HEAD', '/2k.txt')).status);
};

const large = async (): Promise<void> => {
  const r = await call('GET', '/large.bin');
  if (r.status === 200 && r.length !== LARGE) throw new Error(`large file cut short: ${r.length}`);
  count('large', r.status);
};

let uploads = 0;
const UPLOAD_CREDENTIALS = `Basic ${Buffer.from('soak:soak').toString('base64')}`;
const bodies = async (): Promise<void> => {
  const payload = Buffer.alloc(16 * 1024, 0x63);
  count('post', (await call('POST', '/small.txt', { 'content-length': payload.length }, payload)).status);
  count('post-chunked', (await call('POST', '/small.txt', {}, [payload.subarray(0, 5000), payload.subarray(5000)])).status);
  const upload = `/uploads/file-${uploads++ % 50}.txt`;
  count('put', (await call('PUT', upload, { 'content-length': payload.length, 'content-type': 'text/plain', authorization: UPLOAD_CREDENTIALS }, payload)).status);
  if (uploads % 10 === 0) count('delete', (await call('DELETE', upload, { authorization: UPLOAD_CREDENTIALS })).status);
  count('cgi', (await call('POST', '/echo.cgi', { 'content-length': payload.length }, payload)).status);
};

/** A raw connection that sends batches of 20 pipelined requests and reads the 20 answers. */
const pipelined = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const methods: string[] = [];
    let data: Buffer = Buffer.alloc(0);
    let answered = 0;
    let batches = 0;
    const send = (): void => {
      let bytes = '';
      for (let i = 0; i < 20; i++) {
        const method = i % 5 === 4 ? 'HEAD' : 'GET';
        methods.push(method);
        bytes += `${method} ${i % 3 === 0 ? '/2k.txt' : i % 3 === 1 ? '/small.txt' : '/nope'} HTTP/1.1\r\nHost: soak\r\n\r\n`;
      }
      socket.write(bytes);
    };
    socket.on('connect', send);
    socket.on('data', (chunk: Buffer) => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      for (;;) {
        const reading = readResponseAt(data, 0, methods[0], false);
        if (reading === 'incomplete') break;
        methods.shift();
        data = data.subarray(reading.end);
        count('pipelined', reading.response.status);
        if (++answered % 20 === 0) {
          if (!running || ++batches === 50) {
            socket.end();
            return;
          }
          send();
        }
      }
    });
    socket.on('error', reject);
    socket.on('close', () => (answered % 20 === 0 ? resolve() : reject(new Error(`pipelined connection closed after ${answered} answers`))));
  });

/** Reads the large file at about 1 MiB/s. */
const slowReader = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/large.bin', agent: false }, (res) => {
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
        res.pause();
        setTimeout(() => res.resume(), Math.ceil(chunk.length / 1024));
      });
      res.on('end', () => {
        count('slow-reader', length === LARGE ? res.statusCode ?? 0 : 'cut');
        resolve();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });

/** Asks for the large file and hangs up after the first bytes. */
const quitter = (): Promise<void> =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/large.bin', agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        count('disconnect', 'mid-response');
        resolve();
      });
    });
    req.on('error', () => resolve());
  });

const loops = [
  ...Array.from({ length: 6 }, () => loop('small', small)),
  ...Array.from({ length: 2 }, () => loop('large', large)),
  ...Array.from({ length: 2 }, () => loop('bodies', bodies)),
  ...Array.from({ length: 2 }, () => loop('pipelined', pipelined)),
  ...Array.from({ length: 2 }, () => loop('slow-reader', slowReader)),
  loop('disconnect', quitter),
];

const started = Date.now();
const samples: Array<{ t: number; rss: number; fds: number }> = [];
let lastCompleted = 0;
let stalled = false;
const sample = (): void => {
  const t = (Date.now() - started) / 1000;
  const point = { t, rss: rssOf(pid), fds: descriptorsOf(pid) };
  samples.push(point);
  const done = completed - lastCompleted;
  lastCompleted = completed;
  if (done === 0 && t > 1) stalled = true;
  console.log(`${t.toFixed(0).padStart(5)} s  RSS ${mib(point.rss).padStart(10)}  descriptors ${String(point.fds).padStart(4)}  requests +${done} (${completed} total, ${failures} client errors)`);
};
sample();
while (Date.now() < endAt) {
  await sleep(Math.min(SAMPLE_MS, endAt - Date.now()));
  sample();
}
running = false;
// Each loop finishes the request it is in; only then are the idle sockets let go.
await Promise.race([Promise.all(loops), sleep(30_000)]);
agent.destroy();

const second = samples.slice(Math.floor(samples.length / 2));
const rssGrowth = fittedGrowth(second.map((s) => s.t), second.map((s) => s.rss));
const fdGrowth = fittedGrowth(second.map((s) => s.t), second.map((s) => s.fds));
const meanRss = second.reduce((a, s) => a + s.rss, 0) / Math.max(1, second.length);
const rssLimit = Math.max(RSS_GROWTH_LIMIT, meanRss / 10);
const exitCode = await child.stop();

console.log('answers:', [...statuses].sort().map(([k, n]) => `${k}:${n}`).join(' '));
if (errors.size > 0) console.log('client errors:', [...errors].map(([k, n]) => `${k} x${n}`).join(', '));
console.log(`second half (${second.length} samples): RSS ${rssGrowth >= 0 ? '+' : ''}${mib(rssGrowth)} by the fitted line (limit ${mib(rssLimit)}), descriptors ${fdGrowth >= 0 ? '+' : ''}${fdGrowth.toFixed(1)} (limit ${FD_GROWTH_LIMIT})`);
const problems: string[] = [];
if (samples.length < 4) problems.push('too short a run to judge growth (at least 40 s)');
if (rssGrowth > rssLimit) problems.push('RSS keeps growing');
if (fdGrowth > FD_GROWTH_LIMIT) problems.push('open descriptors keep growing');
if (stalled) problems.push('a 10 s interval without a single answer');
if (exitCode !== 0) problems.push(`porta exited with ${exitCode} on SIGTERM`);
console.log(problems.length === 0 ? 'soak passed' : `soak FAILED: ${problems.join('; ')}`);
process.exit(problems.length === 0 ? 0 : 1);
