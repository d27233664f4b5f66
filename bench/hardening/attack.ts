/**
 * `npm run attack -- slowloris [--connections N] [--header-timeout SEC] [--seconds S]`: how
 * fair porta stays while N slow connections (default 10,000) trickle header bytes without
 * ever finishing a head. Against a `porta serve` child process:
 * 1. unloaded: a normal client sends GET /2k.txt for S seconds (default 5), each on a fresh
 *    connection, one after the other, and on one keep-alive connection; p50 and p99;
 * 2. the slow connections are opened (in a worker thread) and trickle a byte each every 2 s;
 *    the same measurement again, and the ratio loaded/unloaded p99 (target: within 2x);
 * 3. at the header timeout porta answers 408 and closes them: the close rate (per 100 ms and
 *    per second) and the normal client's p99 while they are being closed.
 * The open-files limit must allow N connections in each process: the npm script raises the
 * soft limit to the hard one (`ulimit -n`); porta needs N plus a reserve.
 */
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { descriptorsOf, mib, rssOf, startPortaChild } from './child.js';
import { numberFlag, parseFlags } from './flags.js';
import type { WorkerMessage } from './slowloris-worker.js';

const [scenario, ...rest] = process.argv.slice(2);
if (scenario !== 'slowloris') {
  console.error('usage: npm run attack -- slowloris [--connections N] [--header-timeout SEC] [--seconds S]');
  process.exit(2);
}
const flags = parseFlags(rest, ['connections', 'header-timeout', 'seconds']);
const connections = numberFlag(flags, 'connections', 10_000);
const headerTimeout = numberFlag(flags, 'header-timeout', 20);
const seconds = numberFlag(flags, 'seconds', 5);

const child = await startPortaChild({ '2k.txt': Buffer.alloc(2048, 0x61) }, ['--access-log', 'off', '--header-timeout', String(headerTimeout)], 600_000);
const { port, pid } = child;
console.log(`slowloris against porta serve (pid ${pid}): ${connections} slow connections, header timeout ${headerTimeout} s, ${seconds} s per measurement`);

const REQUEST = 'GET /2k.txt HTTP/1.1\r\nHost: normal\r\n\r\n';
const RESPONSE_END = 2048;

/** Latency of one GET /2k.txt on `socket` (already connected), in ms. */
function exchange(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let data = '';
    const onData = (chunk: Buffer): void => {
      data += chunk.toString('latin1');
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd !== -1 && data.length - headEnd - 4 >= RESPONSE_END) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(Number(process.hrtime.bigint() - start) / 1e6);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(REQUEST);
  });
}

function connected(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Fresh connection per request: connect + request + response, in ms. */
async function freshLatency(): Promise<number> {
  const start = process.hrtime.bigint();
  const socket = await connected();
  try {
    await exchange(socket);
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    socket.destroy();
  }
}

interface Figures {
  readonly fresh: number[];
  readonly keepAlive: number[];
}

/** Alternates fresh-connection and keep-alive requests for `ms`. */
async function measure(ms: number): Promise<Figures> {
  const fresh: number[] = [];
  const keepAlive: number[] = [];
  let persistent = await connected();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    fresh.push(await freshLatency());
    try {
      keepAlive.push(await exchange(persistent));
    } catch {
      persistent.destroy();
      persistent = await connected();
    }
  }
  persistent.destroy();
  return { fresh, keepAlive };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const show = (label: string, f: Figures): string =>
  `${label}: fresh connection p50 ${percentile(f.fresh, 50).toFixed(2)} ms, p99 ${percentile(f.fresh, 99).toFixed(2)} ms (${f.fresh.length}); keep-alive p50 ${percentile(f.keepAlive, 50).toFixed(2)} ms, p99 ${percentile(f.keepAlive, 99).toFixed(2)} ms (${f.keepAlive.length})`;

await measure(1000); // warm-up
const unloaded = await measure(seconds * 1000);
console.log(show('unloaded', unloaded));

const worker = new Worker(new URL('./slowloris-worker.js', import.meta.url), { workerData: { port, connections, trickleMs: 2000 } });
const messages: WorkerMessage[] = [];
let wake: (() => void) | undefined;
worker.on('message', (message: WorkerMessage) => {
  messages.push(message);
  wake?.();
});
const next = async (kind: WorkerMessage['kind']): Promise<WorkerMessage> => {
  for (;;) {
    const found = messages.find((m) => m.kind === kind);
    if (found) return found;
    await new Promise<void>((resolve) => (wake = resolve));
  }
};

const opened = await next('open');
if (opened.kind !== 'open') throw new Error('unexpected');
const openedAt = Date.now();
console.log(`slow connections: ${opened.open} open, ${opened.failed} refused, in ${(opened.ms / 1000).toFixed(1)} s; porta: ${descriptorsOf(pid)} descriptors, RSS ${mib(rssOf(pid))}`);
const loaded = await measure(seconds * 1000);
const stillHeld = descriptorsOf(pid);
console.log(show('loaded  ', loaded));
console.log(`  (porta still held ${stillHeld} descriptors at the end of the measurement: the slow connections were open throughout)`);
const ratioFresh = percentile(loaded.fresh, 99) / percentile(unloaded.fresh, 99);
const ratioKeepAlive = percentile(loaded.keepAlive, 99) / percentile(unloaded.keepAlive, 99);
console.log(`p99 loaded / unloaded: fresh connection ${ratioFresh.toFixed(2)}x, keep-alive ${ratioKeepAlive.toFixed(2)}x (target: within 2x)`);

// The closing: measure the normal client while porta closes them at the header timeout.
const firstExpiry = openedAt - opened.ms + headerTimeout * 1000;
const wait = firstExpiry - Date.now() - 500;
if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
const closingPromise = measure(Math.max(2000, opened.ms + 3000));
const closed = await next('closed');
const closing = await closingPromise;
if (closed.kind !== 'closed') throw new Error('unexpected');
const times = [...closed.closeTimes].sort((a, b) => a - b);
const bins = new Map<number, number>();
for (const t of times) bins.set(Math.floor(t / 100), (bins.get(Math.floor(t / 100)) ?? 0) + 1);
const perSecond = new Map<number, number>();
for (const t of times) perSecond.set(Math.floor((t - (times[0] ?? 0)) / 1000), (perSecond.get(Math.floor((t - (times[0] ?? 0)) / 1000)) ?? 0) + 1);
// Closes that follow each other within 30 ms are one burst (one sweep of the deadlines).
const bursts: number[] = [];
times.forEach((t, i) => {
  if (i === 0 || t - (times[i - 1] as number) > 30) bursts.push(0);
  bursts[bursts.length - 1] = (bursts[bursts.length - 1] as number) + 1;
});
const span = times.length > 1 ? ((times[times.length - 1] as number) - (times[0] as number)) / 1000 : 0;
console.log(`closing at the header timeout: ${times.length} closed over ${span.toFixed(1)} s, at most ${Math.max(0, ...bins.values())} in one 100 ms interval, in ${bursts.length} bursts of at most ${Math.max(0, ...bursts)}; per second: ${[...perSecond.values()].join(', ')}${closed.stillOpen > 0 ? `; ${closed.stillOpen} never closed` : ''}`);
console.log(show('closing ', closing));
await worker.terminate();
const code = await child.stop();
const ok = ratioFresh <= 2 && ratioKeepAlive <= 2 && closed.stillOpen === 0 && code === 0;
console.log(ok ? 'slowloris: fair (loaded p99 within 2x of unloaded)' : 'slowloris: NOT within target');
process.exit(ok ? 0 : 1);
