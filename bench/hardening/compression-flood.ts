/**
 * `node dist/bench/hardening/compression-flood.js [--clients N] [--files N] [--kib N] [--seconds S]`:
 * what compressing on demand costs porta when many clients ask at once for different files.
 * A `porta serve` child process (access log off) serves `--files` text files of `--kib` KiB
 * each (defaults 100 and 250: held in memory, so compressed on the fly; base64 lines, which
 * compress poorly); `--clients` clients
 * (default 100, at most 200) each send `GET /fN.txt` with `Accept-Encoding: br` on a fresh
 * connection, all at once, then again with the next file, for `--seconds` (default 10, at
 * most 30). Every answer is checked (brotli decoded and compared, or the plain bytes).
 * Prints porta's RSS before, its peak (VmHWM) at the end, the requests answered and how many
 * came back compressed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { brotliDecompressSync } from 'node:zlib';
import { readResponseAt } from '../../test/helpers/raw-client.js';
import { mib, rssOf, startPortaChild } from './child.js';
import { numberFlag, parseFlags } from './flags.js';

const flags = parseFlags(process.argv.slice(2), ['clients', 'files', 'kib', 'seconds']);
const clients = Math.min(200, numberFlag(flags, 'clients', 100));
const files = Math.max(1, numberFlag(flags, 'files', clients));
const kib = numberFlag(flags, 'kib', 250);
const seconds = Math.min(30, numberFlag(flags, 'seconds', 10));

/**
 * Text of `bytes` bytes that compresses poorly: base64 of random bytes in 76-character lines
 * (a PEM or data-URI file). Brotli's memory per compression grows with what it cannot match;
 * prose of a small vocabulary costs a tenth as much.
 */
function poorlyCompressibleText(bytes: number): Buffer {
  const lines = randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64').match(/.{1,76}/g) ?? [];
  return Buffer.from(lines.join('\n').slice(0, bytes), 'latin1');
}

const bodies = Array.from({ length: files }, () => poorlyCompressibleText(kib * 1024));
const entries = Object.fromEntries(bodies.map((body, i) => [`f${i}.txt`, body]));
const child = await startPortaChild(entries, ['--access-log', 'off'], (seconds + 60) * 1000);
const { port, pid } = child;
const before = rssOf(pid);
console.log(`compression flood against porta serve (pid ${pid}): ${clients} clients, ${files} files of ${kib} KiB, Accept-Encoding: br, ${seconds} s; RSS before ${mib(before)}`);

interface Outcome {
  readonly coded: boolean;
}

/** One GET on a fresh connection; rejects on a wrong answer. */
function fetchFile(index: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer in 30 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => {
      const parsed = readResponseAt(Buffer.concat(chunks), 0, 'GET', true);
      if (parsed === 'incomplete') return reject(new Error(`f${index}.txt: incomplete answer`));
      const { response } = parsed;
      if (response.status !== 200) return reject(new Error(`f${index}.txt: status ${response.status}`));
      const coded = response.get('content-encoding') === 'br';
      const plain = coded ? brotliDecompressSync(response.body) : response.body;
      if (!plain.equals(bodies[index] as Buffer)) return reject(new Error(`f${index}.txt: wrong bytes (coded: ${coded})`));
      if (response.get('vary') !== 'Accept-Encoding') return reject(new Error(`f${index}.txt: no Vary`));
      resolve({ coded });
    });
    socket.write(`GET /f${index}.txt HTTP/1.1\r\nHost: flood\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n`);
  });
}

const started = Date.now();
const stopAt = started + seconds * 1000;
let answered = 0;
let coded = 0;
let failed = 0;
let firstWaveMs = 0;
let firstWaveCoded = 0;

async function client(id: number): Promise<void> {
  for (let round = 0; Date.now() < stopAt; round++) {
    try {
      const outcome = await fetchFile((id + round) % files);
      answered++;
      if (outcome.coded) coded++;
      if (round === 0) {
        if (outcome.coded) firstWaveCoded++;
        firstWaveMs = Math.max(firstWaveMs, Date.now() - started);
      }
    } catch (error) {
      failed++;
      if (failed <= 5) console.error(String(error));
    }
  }
}

await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
const elapsed = (Date.now() - started) / 1000;
const status = readFileSync(`/proc/${pid}/status`, 'utf8');
const peak = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) * 1024;
console.log(`first wave: ${clients} answers in ${firstWaveMs} ms, ${firstWaveCoded} compressed`);
console.log(`${answered} answers in ${elapsed.toFixed(1)} s (${(answered / elapsed).toFixed(0)} req/s), ${coded} compressed, ${failed} failed`);
console.log(`porta RSS: before ${mib(before)}, peak (VmHWM) ${mib(peak)}, now ${mib(rssOf(pid))}`);
const code = await child.stop();
process.exit(failed > 0 || code !== 0 ? 1 : 0);
