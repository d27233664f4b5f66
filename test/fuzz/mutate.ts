/**
 * Mutations of raw request bytes: byte-level (flip, insert, delete, duplicate, truncate),
 * dictionary-based (the tokens request framing is made of: line ends, colons, Content-Length
 * and Transfer-Encoding fields, chunk sizes, odd numbers) and structural (repeat a line,
 * splice two seeds, change the case of a run of letters). Inputs stay below MAX_INPUT_BYTES.
 */
import type { Prng } from './prng.js';

export interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
}

export interface FuzzInput {
  readonly seed: string;
  /** Mutations applied, in order (empty: the seed as it is). */
  readonly mutations: readonly string[];
  readonly bytes: Buffer;
}

const MAX_INPUT_BYTES = 256 * 1024;

/** Byte strings that matter to an HTTP/1.1 parser. */
const TOKENS: readonly string[] = [
  '\r\n', '\n', '\r', '\r\n\r\n', '\n\n', ' ', '  ', '\t', ':', ';', ',', '=', '"', '\x00', '\x7f', '\xff', '#', '?', '%', '%00', '%2f', '/../', '*',
  'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1\r\n', 'GET ', 'HEAD ', 'POST ', 'PUT ', 'get ', 'OPTIONS ', 'CONNECT ',
  'Host: x\r\n', 'Host: a\r\nHost: b\r\n',
  'Content-Length: 0\r\n', 'Content-Length: 5\r\n', 'Content-Length: 70000\r\n', 'Content-Length: 99999999999999999999\r\n', 'Content-Length: -1\r\n', 'Content-Length: 5, 5\r\n',
  'Transfer-Encoding: chunked\r\n', 'Transfer-Encoding: chunked;q=1\r\n', 'Transfer-Encoding: chunked,\r\n', 'Transfer-Encoding: gzip\r\n', 'Transfer-Encoding: identity, chunked\r\n', 'Transfer-Encoding: \tchunked\r\n', 'Transfer-Encoding : chunked\r\n', 'Transfer-encoding: CHUNKED\r\n',
  '0\r\n\r\n', '5\r\nhello\r\n', 'ffffffff\r\n', '000000000000000000001\r\n', '1;ext="a\\"b"\r\n', '0\r\nTrailer: x\r\n\r\n',
  'Connection: close\r\n', 'Connection: keep-alive\r\n', 'Connection: upgrade\r\nUpgrade: websocket\r\n', 'Expect: 100-continue\r\n', 'Expect: 200-ok\r\n',
  'Range: bytes=0-0\r\n', 'Range: bytes=0-1,1-2,2-3,3-4,4-5,5-6\r\n', 'Range: bytes=-0\r\n', 'Range: bytes=99999999999999999999-\r\n', 'If-Range: W/"x"\r\n',
  'If-None-Match: "a", W/"b"\r\n', 'If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n', 'If-Modified-Since: garbage\r\n',
  'Accept-Encoding: br, gzip\r\n', 'Authorization: Basic Og==\r\n', 'Authorization: Digest \r\n',
  'GET /2k.txt HTTP/1.1\r\nHost: x\r\n\r\n', 'HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n',
];
const NUMBERS: readonly string[] = ['0', '1', '-1', '00', '007', '65535', '65536', '2147483648', '4294967296', '9007199254740993', '99999999999999999999', '0x10', '1e3', ' 1', 'ffffffffffff', '0000000000000000000000001'];

type Mutator = (bytes: Buffer, rng: Prng, seeds: readonly Seed[]) => Buffer;

const at = (bytes: Buffer, rng: Prng): number => rng.int(bytes.length + 1);
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A [start, end) range of at most `max` bytes. */
function range(bytes: Buffer, rng: Prng, max = 64): [number, number] {
  const start = rng.int(bytes.length);
  return [start, Math.min(bytes.length, start + 1 + rng.int(max))];
}

/** Start offsets of lines (after each LF, and 0). */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(0x0a); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0x0a, i + 1)) starts.push(i + 1);
  return starts;
}

const MUTATORS: ReadonlyArray<readonly [string, Mutator]> = [
  ['flip-bit', (b, r) => {
    if (b.length === 0) return b;
    const copy = Buffer.from(b);
    const i = r.int(copy.length);
    copy[i] = (copy[i] as number) ^ (1 << r.int(8));
    return copy;
  }],
  ['random-byte', (b, r) => {
    if (b.length === 0) return b;
    const copy = Buffer.from(b);
    copy[r.int(copy.length)] = r.int(256);
    return copy;
  }],
  ['insert-bytes', (b, r) => {
    const i = at(b, r);
    return cat(b.subarray(0, i), Buffer.from(Array.from({ length: 1 + r.int(4) }, () => r.int(256))), b.subarray(i));
  }],
  ['delete-range', (b, r) => {
    if (b.length === 0) return b;
    const [s, e] = range(b, r, 16);
    return cat(b.subarray(0, s), b.subarray(e));
  }],
  ['duplicate-range', (b, r) => {
    if (b.length === 0) return b;
    const [s, e] = range(b, r, 256);
    const copies = 1 + r.int(3);
    return cat(b.subarray(0, e), ...Array.from({ length: copies }, () => b.subarray(s, e)), b.subarray(e));
  }],
  ['insert-token', (b, r) => {
    const i = r.chance(0.5) ? r.pick(lineStarts(b)) : at(b, r);
    return cat(b.subarray(0, i), latin1(r.pick(TOKENS)), b.subarray(i));
  }],
  ['replace-token', (b, r) => {
    // Replace one occurrence of a token found in the input by another token.
    const text = b.toString('latin1');
    const present = TOKENS.filter((t) => t.length > 0 && text.includes(t));
    if (present.length === 0) return b;
    const from = r.pick(present);
    const occurrences: number[] = [];
    for (let i = text.indexOf(from); i !== -1 && occurrences.length < 64; i = text.indexOf(from, i + 1)) occurrences.push(i);
    const i = r.pick(occurrences);
    return cat(b.subarray(0, i), latin1(r.pick(TOKENS)), b.subarray(i + from.length));
  }],
  ['number', (b, r) => {
    const text = b.toString('latin1');
    const numbers = [...text.matchAll(/[0-9a-fA-F]+/g)].slice(0, 64);
    if (numbers.length === 0) return b;
    const match = r.pick(numbers);
    const i = match.index ?? 0;
    return cat(b.subarray(0, i), latin1(r.pick(NUMBERS)), b.subarray(i + match[0].length));
  }],
  ['line-ends', (b, r) => {
    // Turn some or all CRLF into LF, or LF into CR.
    const text = b.toString('latin1');
    const choice = r.int(3);
    if (choice === 0) return latin1(text.replace(/\r\n/g, '\n'));
    if (choice === 1) return latin1(text.replace(/\r\n/, '\n'));
    return latin1(text.replace(/\n/, '\r'));
  }],
  ['repeat-line', (b, r) => {
    const starts = lineStarts(b);
    const index = r.int(starts.length);
    const start = starts[index] as number;
    const end = starts[index + 1] ?? b.length;
    const times = r.pick([2, 3, 10, 100, 1000]);
    return cat(b.subarray(0, end), ...Array.from({ length: times }, () => b.subarray(start, end)), b.subarray(end));
  }],
  ['splice', (b, r, seeds) => {
    const other = r.pick(seeds).bytes;
    const cut = at(b, r);
    const from = rangeStart(other, r);
    return cat(b.subarray(0, cut), other.subarray(from));
  }],
  ['truncate', (b, r) => b.subarray(0, at(b, r))],
  ['case', (b, r) => {
    if (b.length === 0) return b;
    const [s, e] = range(b, r, 32);
    const text = b.toString('latin1', s, e);
    const changed = r.chance(0.5) ? text.toUpperCase() : text.toLowerCase();
    return cat(b.subarray(0, s), latin1(changed), b.subarray(e));
  }],
];

function rangeStart(bytes: Buffer, rng: Prng): number {
  return rng.chance(0.5) ? rng.pick(lineStarts(bytes)) : rng.int(bytes.length + 1);
}

/** One fuzz input: a seed, sometimes as it is, usually with 1-4 mutations. */
export function makeInput(rng: Prng, seeds: readonly Seed[]): FuzzInput {
  const seed = rng.pick(seeds);
  if (rng.chance(0.08)) return { seed: seed.name, mutations: [], bytes: seed.bytes };
  let bytes = seed.bytes;
  const mutations: string[] = [];
  const count = 1 + rng.int(4);
  for (let i = 0; i < count; i++) {
    const [name, mutate] = rng.pick(MUTATORS);
    bytes = mutate(bytes, rng, seeds);
    if (bytes.length > MAX_INPUT_BYTES) bytes = bytes.subarray(0, MAX_INPUT_BYTES);
    mutations.push(name);
  }
  return { seed: seed.name, mutations, bytes };
}
