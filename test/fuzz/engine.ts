/**
 * The fuzz engine behind `npm run fuzz` and test/fuzz/fuzz.test.ts: mutated requests from the
 * corpus (test/fuzz/corpus/) against a live porta started in this process, over real sockets,
 * each on its own connection, many at once. Checked for every input:
 * - what came back is a well-framed stream of responses (response-stream.ts);
 * - the server closes the connection within CLOSE_BUDGET_MS of the client's last byte, when
 *   the client half-closes and when it just stops sending (the limits are set short);
 * - no answer carries a file from a folder whose password no input knows (SECRET_MARKER);
 * and for the run: porta reports no internal error, no exception escapes, a canary request is
 * answered after every CANARY_EVERY inputs, RSS stays within a bound once warmed up, and at the
 * end no connection or descriptor is left open. A failing input is saved with the command
 * that reproduces it. Input N depends only on (seed, N): see prng.ts.
 */
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpLimits } from '../../src/http/limits.js';
import { makeTempSite, startPorta, type PortaServer } from '../helpers/porta-server.js';
import { fetchOne, request } from '../helpers/raw-client.js';
import { collectGarbage, onBun } from '../helpers/runtime.js';
import { makeInput, type FuzzInput, type Seed } from './mutate.js';
import { Prng } from './prng.js';
import { checkResponseStream } from './response-stream.js';
import { eventually } from '../helpers/eventually.js';

/** The repository's own folders (this file runs from dist/test/fuzz/). */
export const CORPUS_DIR = fileURLToPath(new URL('../../../test/fuzz/corpus/', import.meta.url));
export const FAILURES_DIR = fileURLToPath(new URL('../../../test/fuzz/failures/', import.meta.url));

/** Short limits, so that every state's deadline is reached often. */
export const FUZZ_LIMITS: Partial<HttpLimits> = {
  headerTimeoutMs: 500,
  keepAliveTimeoutMs: 250,
  sendTimeoutMs: 500,
  maxBodyBytes: 64 * 1024,
};
/** A connection must be closed by the server this long after the client's last byte (all time-outs above, plus slack for a busy machine). */
export const CLOSE_BUDGET_MS = 5000;
const CANARY_EVERY = 250;
/**
 * Memory bounds. RSS of this process (porta and the clients, which hold whole responses of up
 * to 1 MiB each while checking them) plateaus at 150-250 MiB; it may never rise more than
 * RSS_CEILING_BYTES above its start. The JavaScript heap, measured after a forced collection at
 * every canary, must not keep growing: its linear trend over the second half of the run may
 * add at most HEAP_TREND_LIMIT_BYTES.
 */
export const RSS_CEILING_BYTES = 512 * 1024 * 1024;
export const HEAP_TREND_LIMIT_BYTES = 16 * 1024 * 1024;
const MAX_SAVED_FAILURES = 50;

export interface FuzzOptions {
  readonly seed: number;
  readonly count: number;
  /** Index of the first input (to replay input N alone: from N, count 1). */
  readonly from?: number;
  /** Connections in flight at once (default 64). */
  readonly concurrency?: number;
  /** Where failing inputs are written (default test/fuzz/failures/); undefined to keep none. */
  readonly failuresDir?: string | null;
  /** Called every `progressEvery` inputs. */
  readonly onProgress?: (report: FuzzReport) => void;
  readonly progressEvery?: number;
}

export interface FuzzFailure {
  readonly index: number | undefined;
  readonly problem: string;
  readonly input?: FuzzInput;
  /** The files the input was saved to, if any. */
  readonly saved?: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly from: number;
  done: number;
  responses: number;
  readonly statuses: Map<number, number>;
  /** Connections the client saw reset (counted, not a failure). */
  resets: number;
  /** Longest time from the client's last byte to the server's close, in ms. */
  maxCloseMs: number;
  rssStart: number;
  rssMax: number;
  /** heapUsed after a forced collection, sampled at every canary. */
  readonly heapSamples: number[];
  readonly failures: FuzzFailure[];
  elapsedMs: number;
}

/** How the client delivers an input and behaves afterwards. */
interface Delivery {
  /** Split points into pieces written one after the other. */
  readonly pieces: number;
  readonly pauseMs: number;
  /** After writing: half-close (FIN), stay open, or abort (destroy without reading). */
  readonly after: 'half-close' | 'stay-open' | 'abort';
  /** Do not read until the server's send timeout has passed. */
  readonly lateReader: boolean;
}

function chooseDelivery(rng: Prng): Delivery {
  const split = rng.chance(0.3);
  const roll = rng.int(100);
  return {
    pieces: split ? 2 + rng.int(7) : 1,
    pauseMs: split && rng.chance(0.3) ? 1 + rng.int(20) : 0,
    after: roll < 72 ? 'half-close' : roll < 96 ? 'stay-open' : 'abort',
    lateReader: rng.chance(0.03),
  };
}

export function loadCorpus(dir = CORPUS_DIR): Seed[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.http'))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

/**
 * In every file of the folders guarded by VAULT_CONTROL, whose only user's password appears
 * in no seed: no answer to any input may contain it, whatever mapping (type map, variant,
 * symbolic link, precompressed file) leads there. No seed contains the marker itself.
 */
const SECRET_MARKER = 'FUZZ-VAULT-CONTENT';
const VAULT_CONTROL = 'authorization-type=Basic\nrealm="vault"\nkeeper:0666d3483abe8f35eba26fad4a55de2c\n';

/** The document root every input is aimed at (names match the corpus). */
const SITE = {
  'small.txt': 'hello, fuzz\n',
  '2k.txt': Buffer.alloc(2048, 0x61),
  'big.bin': Buffer.alloc(1024 * 1024, 0x62),
  'page.html': `<!doctype html><title>fuzz</title>${'<p>compressible text</p>'.repeat(200)}`,
  'dir/index.html': '<p>index</p>',
  'dir/a.txt': 'a\n',
  'caf\u00e9.txt': 'utf-8 name\n',
  'sp ace.txt': 'space\n',
  '.hidden': 'hidden\n',
  'private/WeMustProtectThisHouse!': 'authorization-type=Basic\nrealm="fuzz"\nuser:5f4dcc3b5aa765d61d8327deb882cf99\n',
  'private/page.txt': 'private\n',
  // Uploads by the corpus's user (aborted bodies, type maps written to read other folders).
  'up/WeMustProtectThisHouse!': 'authorization-type=Basic\nrealm="uploads"\nuser:5f4dcc3b5aa765d61d8327deb882cf99\nALLOW-PUT\nALLOW-DELETE\n',
  'up/vault/WeMustProtectThisHouse!': VAULT_CONTROL,
  'up/vault/inner.txt': `${SECRET_MARKER} uploads vault\n`,
  // Type maps, a symlinked variant and a symlinked precompressed sibling into a folder whose
  // password no input knows: its files may never appear in an answer.
  'pub/open.txt': 'open\n',
  'pub/map.var': 'URI: secret/inner.txt\nContent-Type: text/plain\n\nURI: open.txt\nContent-Type: text/plain; qs=0.1\n',
  'pub/view.html': { symlink: 'secret/inner.html' },
  'pub/notes.txt': 'public notes, long enough to be compressed. '.repeat(40),
  'pub/notes.txt.gz': { symlink: 'secret/inner.txt' },
  'pub/secret/WeMustProtectThisHouse!': VAULT_CONTROL,
  'pub/secret/inner.txt': `${SECRET_MARKER} text\n`,
  'pub/secret/inner.html': `<p>${SECRET_MARKER} html</p>\n`,
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const rss = (): number => process.memoryUsage().rss;
const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

interface InputOutcome {
  readonly statuses: readonly number[];
  readonly problem?: string;
  readonly closeMs?: number;
  readonly reset: boolean;
}

/** Sends one input on its own connection and checks what comes back. */
async function drive(port: number, bytes: Buffer, delivery: Delivery): Promise<InputOutcome> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  const received: Buffer[] = [];
  let reset = false;
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.on('error', () => {
    reset = true;
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  try {
    const connected = await Promise.race([new Promise<boolean>((resolve) => socket.once('connect', () => resolve(true))), closed.then(() => false), sleep(CLOSE_BUDGET_MS).then(() => false)]);
    if (!connected) return { statuses: [], problem: 'could not connect', reset };
    if (delivery.lateReader) socket.pause();
    const step = Math.ceil(bytes.length / delivery.pieces) || 1;
    for (let offset = 0; offset < bytes.length && !socket.destroyed; offset += step) {
      socket.write(bytes.subarray(offset, offset + step));
      if (delivery.pieces > 1) await (delivery.pauseMs > 0 ? sleep(delivery.pauseMs) : new Promise((resolve) => setImmediate(resolve)));
    }
    const lastWrite = Date.now();
    if (delivery.after === 'abort') {
      socket.destroy();
      return { statuses: [], reset };
    }
    if (delivery.after === 'half-close' && !socket.destroyed) socket.end();
    let budget = CLOSE_BUDGET_MS;
    if (delivery.lateReader) {
      const pause = (FUZZ_LIMITS.sendTimeoutMs ?? 0) + 200;
      await sleep(pause);
      budget += pause;
      socket.resume();
    }
    const inTime = await Promise.race([closed.then(() => true), sleep(Math.max(0, budget - (Date.now() - lastWrite))).then(() => false)]);
    const closeMs = Date.now() - lastWrite;
    const data = Buffer.concat(received);
    if (!inTime) {
      const check = checkResponseStream(data, false, true);
      return { statuses: check.statuses, problem: `the server did not close the connection within ${budget} ms of the last byte sent (${after(delivery)}); received ${data.length} bytes`, reset };
    }
    const check = checkResponseStream(data, true, delivery.lateReader || reset);
    const leaked = data.includes(SECRET_MARKER) ? 'a file of a folder whose password no input knows was served' : undefined;
    return { statuses: check.statuses, problem: check.problem ?? leaked, closeMs, reset };
  } finally {
    socket.destroy();
  }
}

const after = (delivery: Delivery): string => `${delivery.pieces} piece(s), then ${delivery.after}${delivery.lateReader ? ', late reader' : ''}`;

function saveFailure(dir: string, seed: number, index: number, input: FuzzInput, delivery: Delivery, problem: string): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `seed-${seed}-input-${index}`);
  writeFileSync(`${base}.http`, input.bytes);
  writeFileSync(
    `${base}.txt`,
    [
      `problem: ${problem}`,
      `seed file: ${input.seed}; mutations: ${input.mutations.join(', ') || 'none'}`,
      `delivery: ${after(delivery)}${delivery.pauseMs > 0 ? `, ${delivery.pauseMs} ms between pieces` : ''}`,
      `reproduce: npm run fuzz -- --seed ${seed} --from ${index} --count 1`,
      `the raw bytes: ${base}.http`,
      '',
    ].join('\n'),
  );
  return `${base}.http`;
}

/** Runs the fuzzer; resolves with the report (failures listed, not thrown). */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const from = options.from ?? 0;
  const concurrency = options.concurrency ?? 64;
  const failuresDir = options.failuresDir === undefined ? FAILURES_DIR : options.failuresDir;
  const seeds = loadCorpus();
  const report: FuzzReport = {
    seed: options.seed,
    from,
    done: 0,
    responses: 0,
    statuses: new Map(),
    resets: 0,
    maxCloseMs: 0,
    rssStart: rss(),
    rssMax: 0,
    heapSamples: [],
    failures: [],
    elapsedMs: 0,
  };
  const started = Date.now();
  const escaped = (error: unknown): void => {
    report.failures.push({ index: undefined, problem: `an exception escaped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
  };
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);

  const site = await makeTempSite(SITE);
  let porta: PortaServer | undefined;
  try {
    porta = await startPorta({ root: site.root, limits: FUZZ_LIMITS, discardLog: true });
    const server = porta;
    const descriptorsBefore = openDescriptors();
    let next = from;
    const end = from + options.count;
    let saved = 0;
    let stop = false;

    const canary = async (): Promise<void> => {
      try {
        const response = await fetchOne(server.port, request('GET', '/small.txt'), { timeoutMs: 5000 });
        if (response.status !== 200 || response.text !== SITE['small.txt']) throw new Error(`answered ${response.statusLine}`);
      } catch (error) {
        report.failures.push({ index: undefined, problem: `the canary request failed after ${report.done} inputs: ${error instanceof Error ? error.message : String(error)}` });
        stop = true;
      }
      report.rssMax = Math.max(report.rssMax, rss());
      collectGarbage();
      report.heapSamples.push(process.memoryUsage().heapUsed);
    };

    const worker = async (): Promise<void> => {
      while (!stop && next < end) {
        const index = next++;
        const rng = Prng.forInput(options.seed, index);
        const input = makeInput(rng, seeds);
        const delivery = chooseDelivery(rng);
        const outcome = await drive(server.port, input.bytes, delivery);
        const done = ++report.done;
        report.responses += outcome.statuses.length;
        for (const status of outcome.statuses) report.statuses.set(status, (report.statuses.get(status) ?? 0) + 1);
        if (outcome.reset) report.resets++;
        if (outcome.closeMs !== undefined) report.maxCloseMs = Math.max(report.maxCloseMs, outcome.closeMs);
        if (outcome.problem !== undefined) {
          const file = failuresDir !== null && saved++ < MAX_SAVED_FAILURES ? saveFailure(failuresDir, options.seed, index, input, delivery, outcome.problem) : undefined;
          report.failures.push({ index, problem: outcome.problem, input, saved: file });
        }
        if (done % CANARY_EVERY === 0) await canary();
        if (options.onProgress && done % (options.progressEvery ?? 1000) === 0) {
          report.elapsedMs = Date.now() - started;
          options.onProgress(report);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    await canary();

    // Everything the run opened is closed again.
    const deadline = Date.now() + CLOSE_BUDGET_MS;
    await eventually(() => server.openConnections() === 0, 'every connection to close', CLOSE_BUDGET_MS).catch(() => undefined);
    if (server.openConnections() > 0) report.failures.push({ index: undefined, problem: `${server.openConnections()} connection(s) still open at the end` });
    await eventually(() => openDescriptors() <= descriptorsBefore + 2, 'descriptors to be closed', Math.max(0, deadline - Date.now())).catch(() => undefined);
    if (openDescriptors() > descriptorsBefore + 2) report.failures.push({ index: undefined, problem: `${openDescriptors() - descriptorsBefore} more descriptors open than at the start` });
    for (const error of server.internalErrors) {
      report.failures.push({ index: undefined, problem: `porta reported an internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    }
    if (report.rssMax - report.rssStart > RSS_CEILING_BYTES) {
      report.failures.push({ index: undefined, problem: `RSS rose from ${mib(report.rssStart)} to ${mib(report.rssMax)} (limit +${mib(RSS_CEILING_BYTES)})` });
    }
    const heapTrend = secondHalfGrowth(report.heapSamples);
    // The trend is calibrated on V8's heap after a forced collection. On Bun (JavaScriptCore)
    // heapUsed after Bun.gc moves more between samples (+17 MiB over a half-run once, with RSS
    // within bounds), so there the RSS ceiling above is the memory check; the trend is printed.
    if (heapTrend > HEAP_TREND_LIMIT_BYTES && !onBun) {
      report.failures.push({ index: undefined, problem: `the heap kept growing: +${mib(heapTrend)} over the second half of the run (limit ${mib(HEAP_TREND_LIMIT_BYTES)})` });
    }
  } finally {
    await porta?.close();
    await site.cleanup();
    process.off('uncaughtException', escaped);
    process.off('unhandledRejection', escaped);
    report.elapsedMs = Date.now() - started;
  }
  return report;
}

/**
 * Growth over the second half of `samples` by a least-squares line: slope times the number of
 * samples in that half. 0 with fewer than 8 samples (too short a run to tell).
 */
export function secondHalfGrowth(samples: readonly number[]): number {
  if (samples.length < 8) return 0;
  const half = samples.slice(Math.floor(samples.length / 2));
  const n = half.length;
  const meanX = (n - 1) / 2;
  const meanY = half.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  half.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return (num / den) * n;
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** A few lines that say what a run did. */
export function describeReport(report: FuzzReport): string[] {
  const statuses = [...report.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}:${n}`).join(' ');
  const rate = report.elapsedMs > 0 ? Math.round((report.done * 1000) / report.elapsedMs) : 0;
  return [
    `seed ${report.seed}, inputs ${report.from}..${report.from + report.done - 1}: ${report.done} inputs in ${(report.elapsedMs / 1000).toFixed(1)} s (${rate}/s), ${report.responses} responses, ${report.resets} resets seen by clients`,
    `statuses ${statuses}`,
    `longest wait for the server to close: ${report.maxCloseMs} ms (budget ${CLOSE_BUDGET_MS} ms)`,
    `RSS ${mib(report.rssStart)} at the start, ${mib(report.rssMax)} at most; heap after collection ${mib(report.heapSamples[0] ?? 0)} first, ${mib(report.heapSamples[report.heapSamples.length - 1] ?? 0)} last, trend over the second half ${mib(secondHalfGrowth(report.heapSamples))}`,
    `${report.failures.length} failure(s)`,
  ];
}
