/**
 * The file cache under churn, over real sockets (docs/performance.md: "cached file metadata with
 * correct invalidation: a changed file is never served stale beyond one second, and never
 * with a mismatched length").
 *
 * A writer in a separate process rewrites one file many times with versions of different
 * lengths, either atomically (write a temporary file, rename it over the old one) or in place
 * (writeFile, which truncates and rewrites the same inode). Meanwhile several keep-alive
 * connections GET it as fast as they can. Every complete 200 must carry a body whose length
 * is its Content-Length and the size inside its ETag; nothing may be served that was already
 * replaced more than a second (plus a little slack) before the request was sent; no body
 * may be a newer version cut to the length of a version that had been superseded before the
 * request was sent (cached metadata applied to a changed file). After the writer stops and
 * 1.1 s pass, a GET returns the final version with a new ETag, the one of the file now on disk.
 *
 * After a rename every state of the file on disk is a whole version, so every body must be
 * exactly one version and no connection may be aborted. In place, the file passes through
 * states no server can avoid exposing when it reads while the writer writes (empty, half
 * written, one version's start with the next's end), and a file that shrinks under a
 * response being sent makes porta destroy the connection (the framing would be a lie):
 * those are tolerated (and counted in the test's diagnostic), in place only.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { strongEtag } from '../../src/site/file-validators.js';
import { makeTempSite, startPorta, type PortaServer, type SiteEntry, type TempSite } from '../helpers/porta-server.js';
import { connectWithTimeout, fetchOne, request, splitResponses, type ParsedResponse } from '../helpers/raw-client.js';

/** The writer runs at least this long (past one freshness window) ... */
const CHURN_MS = 1300;
/** ... and writes at least this many versions, however slow the machine. */
const MIN_VERSIONS = 30;
/** The readers read at least this many responses, however slow the machine. */
const MIN_OBSERVATIONS = 40;
const READERS = 4;
/**
 * Symbolic links to the file, inside the root: each is a cache key of its own, re-checked
 * once a second, so porta loads the file many times during the churn, and some loads
 * overlap a write however the timing falls.
 */
const ALIASES = 64;
/** The freshness window is 1 s; this much more covers a slow load and timer jitter. */
const STALE_LIMIT_MS = 1000 + 250;
const T = { timeout: 20_000 };

/**
 * The length of version `i`: different from the previous version's, and from every other
 * while fewer than `spread` versions exist (7919 and the prime spreads are coprime).
 */
function versionLength(i: number, base: number, spread: number): number {
  const length = base + ((i * 7919) % spread);
  // Off page multiples, where a read racing an in-place write stops.
  return length % 4096 === 0 ? length + 1 : length;
}

/**
 * Version `i` of the file: `<vI>` + a fill byte particular to the version + `</vI>`. Also
 * run by the writer process (its source is sent there), so it may use nothing but Buffer
 * and versionLength.
 */
function versionContent(i: number, base: number, spread: number): Buffer {
  const length = versionLength(i, base, spread);
  const out = Buffer.alloc(length, 97 + (i % 26));
  out.write(`<v${i}>`, 0, 'latin1');
  const tail = `</v${i}>`;
  out.write(tail, length - tail.length, 'latin1');
  return out;
}

interface Shape {
  readonly name: string;
  readonly base: number;
  readonly spread: number;
  /** Pause between two writes. */
  readonly pauseMs: number;
}

/** Held in memory by porta (at most 256 KiB). */
const SMALL: Shape = { name: 'small.txt', base: 2000, spread: 4999, pauseMs: 1 };
/** Above the 256 KiB in-memory limit: streamed from disk. */
const LARGE: Shape = { name: 'large.bin', base: 300 * 1024 + 123, spread: 65_521, pauseMs: 5 };

type Mode = 'rename' | 'in-place';

const WRITER_SOURCE = `
const fs = require('node:fs');
${versionLength.toString()}
${versionContent.toString()}
const [path, mode, base, spread, durationMs, pauseMs, minVersions] = process.argv.slice(1);
const tmp = path + '.writing';
const deadline = Date.now() + Number(durationMs);
let i = 0;
function step() {
  if (Date.now() >= deadline && i >= Number(minVersions)) {
    process.stdout.write('done ' + i + '\\n');
    return;
  }
  i++;
  const data = versionContent(i, Number(base), Number(spread));
  if (mode === 'rename') {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path);
  } else {
    fs.writeFileSync(path, data);
  }
  process.stdout.write(i + ' ' + Date.now() + '\\n');
  if (Number(pauseMs) === 0) setImmediate(step);
  else setTimeout(step, Number(pauseMs));
}
step();
`;

interface WriterLog {
  /** completedAt[i]: when version i was fully on disk (written, renamed); [0] is the start. */
  readonly completedAt: number[];
  readonly last: number;
}

/** Runs the writer process to completion (bounded). */
function runWriter(path: string, mode: Mode, shape: Shape, durationMs: number): Promise<WriterLog> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['-e', WRITER_SOURCE, path, mode, String(shape.base), String(shape.spread), String(durationMs), String(shape.pauseMs), String(MIN_VERSIONS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.stderr.on('data', (chunk: string) => (err += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), durationMs + 10_000);
    child.on('error', (error) => {
      clearTimeout(killer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const done = /^done (\d+)$/m.exec(out);
      if (code !== 0 || !done) {
        reject(new Error(`writer failed (${code ?? signal}); stderr: ${err}`));
        return;
      }
      const completedAt: number[] = [startedAt];
      for (const line of out.split('\n')) {
        const match = /^(\d+) (\d+)$/.exec(line);
        if (match) completedAt[Number(match[1])] = Number(match[2]);
      }
      resolve({ completedAt, last: Number(done[1]) });
    });
  });
}

class Aborted extends Error {}

/**
 * One keep-alive connection with an incremental parser (large bodies are not re-copied
 * from the start of the connection), one request at a time.
 */
class KeepAliveClient {
  #pending: Buffer = Buffer.alloc(0);
  #ended = false;
  /** The byte stream stopped being well-formed responses to our requests. */
  #failure: Error | undefined;
  #waiter: { resolve: (r: ParsedResponse) => void; reject: (e: Error) => void } | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
      this.#parse();
    });
    const end = (): void => {
      this.#ended = true;
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter?.reject(new Aborted(`connection closed with ${this.#pending.length} bytes of an incomplete response`));
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static async open(port: number): Promise<KeepAliveClient> {
    return new KeepAliveClient(await connectWithTimeout(port, 3000));
  }

  get ended(): boolean {
    return this.#ended;
  }

  get(path: string, timeoutMs = 5000): Promise<ParsedResponse> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.reject(new Aborted('connection already closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        this.socket.destroy();
        reject(new Error(`no complete response within ${timeoutMs} ms; ${this.#pending.length} bytes pending`));
      }, timeoutMs);
      this.#waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.socket.write(request('GET', path));
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  #parse(): void {
    let split;
    try {
      split = splitResponses(this.#pending);
    } catch (error) {
      // Not an HTTP response stream any more: e.g. body bytes beyond a Content-Length.
      this.#failure = error as Error;
      this.#waiter?.reject(this.#failure);
      this.#waiter = undefined;
      this.socket.destroy();
      return;
    }
    this.#pending = split.rest.length === 0 ? Buffer.alloc(0) : Buffer.from(split.rest);
    const waiter = this.#waiter;
    const [response, ...extra] = split.responses;
    if (response === undefined) return;
    this.#waiter = undefined;
    if (waiter === undefined || extra.length > 0) {
      // More than was asked for: bytes beyond a body that looked like a response.
      this.#failure = new Error(`more responses than requests: ${split.responses.map((r) => r.statusLine).join(', ')}`);
      this.socket.destroy();
      waiter?.reject(this.#failure);
      return;
    }
    waiter.resolve(response);
  }
}

interface Observation {
  readonly sentAt: number;
  readonly response: ParsedResponse;
}

/**
 * What a complete response turned out to be:
 * - `version`: exactly one version as written;
 * - `empty`, `partial`, `torn`: states only an in-place rewrite produces (the file just
 *   truncated; a prefix while the writer's write is under way, of a length no version has;
 *   the start of one version and the rest of the next, read while it was rewritten). No
 *   server that streams a file rewritten under it can rule them out, so they are tolerated
 *   in place (and counted), never after an atomic rename;
 * - `older-length`: the first N bytes of version V where N is the length of an older
 *   version O: O's metadata with V's content. In place, a rewrite landing between porta's
 *   stat and its read does that (a torn read), but only if O was still the file's state when
 *   the request was sent; if the version after O was already complete by then, the length
 *   came from metadata that was out of date before the request began: a cached length
 *   applied to a changed file, wrong in every mode;
 * - `problem`: wrong whatever the mode, e.g. a Content-Length that is not the body's or the
 *   ETag's.
 */
type Verdict =
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'empty' | 'partial' | 'torn'; readonly version: number | undefined; readonly note: string }
  | { readonly kind: 'older-length'; readonly version: number; readonly older: number; readonly note: string }
  | { readonly kind: 'problem'; readonly problem: string };

function describeBody(body: Buffer): string {
  const head = body.toString('latin1', 0, Math.min(16, body.length));
  const tail = body.toString('latin1', Math.max(0, body.length - 16));
  return `${body.length} bytes ${JSON.stringify(head)}...${JSON.stringify(tail)}`;
}

/** Checks one complete response against the versions the writer wrote (0..last). */
function judge(response: ParsedResponse, shape: Shape, last: number): Verdict {
  const problem = (text: string): Verdict => ({ kind: 'problem', problem: text });
  if (response.status !== 200) return problem(`status ${response.status}`);
  const length = response.get('content-length');
  if (length === undefined) return problem('no Content-Length');
  const body = response.body;
  if (Number(length) !== body.length) return problem(`Content-Length ${length} but ${body.length} body bytes`);
  const etag = response.get('etag') ?? '';
  const sizeInTag = /^"[0-9a-f]+-([0-9a-f]+)-[0-9a-f]+"$/.exec(etag);
  if (!sizeInTag) return problem(`malformed ETag ${etag}`);
  if (parseInt(sizeInTag[1] as string, 16) !== body.length) return problem(`ETag ${etag} names another size than the ${body.length} bytes sent`);
  if (body.length === 0) return { kind: 'empty', version: undefined, note: 'an empty body (the file just truncated)' };
  const marker = /^<v(\d+)>/.exec(body.toString('latin1', 0, 16));
  if (!marker) return problem(`not a version: ${describeBody(body)}`);
  const version = Number(marker[1]);
  if (version > last) return problem(`version ${version} was never written`);
  const expected = versionContent(version, shape.base, shape.spread);
  if (body.equals(expected)) return { kind: 'version', version };
  if (body.length < expected.length && expected.subarray(0, body.length).equals(body)) {
    // Version lengths are all distinct (the test checks that): at most one matches.
    for (let other = 0; other <= last; other++) {
      if (other !== version && versionLength(other, shape.base, shape.spread) === body.length) {
        return { kind: 'older-length', version, older: other, note: `the first ${body.length} of the ${expected.length} bytes of version ${version}: the length of version ${other}` };
      }
    }
    return { kind: 'partial', version, note: `the first ${body.length} of the ${expected.length} bytes of version ${version}` };
  }
  return { kind: 'torn', version, note: `starts as version ${version} (${expected.length} bytes) but is ${describeBody(body)}` };
}

interface ChurnResult {
  readonly observations: Observation[];
  readonly aborted: number;
  readonly failures: string[];
}

/** Readers GET the paths, in turn, over keep-alive connections until `stop(count)` says so. */
async function readLoop(port: number, paths: readonly string[], stop: (observations: number) => boolean): Promise<ChurnResult> {
  let next = 0;
  const observations: Observation[] = [];
  const failures: string[] = [];
  let aborted = 0;
  const one = async (): Promise<void> => {
    let client = await KeepAliveClient.open(port);
    try {
      while (!stop(observations.length)) {
        const sentAt = Date.now();
        try {
          const path = paths[next++ % paths.length] as string;
          observations.push({ sentAt, response: await client.get(path) });
        } catch (error) {
          if (!(error instanceof Aborted)) {
            failures.push(String(error));
            return;
          }
          aborted++;
          client.destroy();
          client = await KeepAliveClient.open(port);
        }
      }
    } finally {
      client.destroy();
    }
  };
  await Promise.all(Array.from({ length: READERS }, one));
  return { observations, aborted, failures };
}


describe('file cache consistency under churn (over real sockets)', () => {
  let site: TempSite;
  let server: PortaServer;
  const fileName = (shape: Shape, mode: Mode): string => `${mode}-${shape.name}`;

  before(async () => {
    // One file per scenario (and its aliases), each version 0 and not yet cached.
    const entries: Record<string, SiteEntry> = {};
    for (const shape of [SMALL, LARGE]) {
      for (const mode of ['rename', 'in-place'] as const) {
        const name = fileName(shape, mode);
        entries[name] = versionContent(0, shape.base, shape.spread);
        for (let k = 0; k < ALIASES; k++) entries[`${name}.alias-${k}`] = { symlink: name };
      }
    }
    site = await makeTempSite(entries);
    server = await startPorta({ root: site.root });
  });

  after(async () => {
    await server?.close();
    await site?.cleanup();
  });

  async function churn(shape: Shape, mode: Mode, diagnostic: (message: string) => void): Promise<void> {
    const name = fileName(shape, mode);
    const path = `/${name}`;
    const file = site.path(name);
    const initial = await fetchOne(server.port, request('GET', path));
    assert.deepEqual(judge(initial, shape, 0), { kind: 'version', version: 0 }, 'version 0 before the churn');
    const initialEtag = initial.get('etag');

    let writerDone = false;
    const writer = runWriter(file, mode, shape, CHURN_MS).finally(() => (writerDone = true));
    const paths = [path, ...Array.from({ length: ALIASES }, (_, k) => `${path}.alias-${k}`)];
    // Reading goes on until the writer is done and enough responses were seen: counts, not
    // clock time, decide, so a busy machine only makes the test slower, never wrong.
    const reading = readLoop(server.port, paths, (observed) => writerDone && observed >= MIN_OBSERVATIONS);
    const [log, result] = await Promise.all([writer, reading]);
    const lengths = new Set(Array.from({ length: log.last + 1 }, (_, i) => versionLength(i, shape.base, shape.spread)));
    assert.equal(lengths.size, log.last + 1, 'precondition: every version has a length of its own');

    const problems: string[] = [...result.failures];
    const tolerated = new Map<string, number>();
    const problemCounts = new Map<string, number>();
    const seen = new Set<number>();
    for (const { sentAt, response } of result.observations) {
      const verdict = judge(response, shape, log.last);
      if (verdict.kind === 'problem') {
        const kind = verdict.problem.replace(/\d+/g, 'N');
        problemCounts.set(kind, (problemCounts.get(kind) ?? 0) + 1);
        if (problems.length < 6) problems.push(verdict.problem);
        continue;
      }
      if (verdict.kind === 'older-length') {
        const supersededAt = log.completedAt[verdict.older + 1];
        if (supersededAt !== undefined && supersededAt <= sentAt - 5) {
          const kind = 'older-length, superseded before the request was sent';
          problemCounts.set(kind, (problemCounts.get(kind) ?? 0) + 1);
          if (problems.length < 6) {
            problems.push(`${verdict.note}, though version ${verdict.older + 1} had replaced version ${verdict.older} ${sentAt - supersededAt} ms before the request was sent (a cached length applied to a changed file)`);
          }
          continue;
        }
      }
      if (verdict.kind !== 'version') {
        if (mode === 'rename') {
          // After a rename every state of the file is a whole version.
          if (problems.length < 6) problems.push(`${verdict.kind}: ${verdict.note}`);
          problemCounts.set(verdict.kind, (problemCounts.get(verdict.kind) ?? 0) + 1);
        } else {
          tolerated.set(verdict.kind, (tolerated.get(verdict.kind) ?? 0) + 1);
        }
      }
      // The states seen: versions, and the empty file (-1).
      seen.add(verdict.version ?? -1);
      if (verdict.version === undefined) continue;
      // The newest version that was complete on disk STALE_LIMIT_MS before the request was sent.
      let mustHave = 0;
      for (let v = log.last; v >= 0; v--) {
        const at = log.completedAt[v];
        if (at !== undefined && at <= sentAt - STALE_LIMIT_MS) {
          mustHave = v;
          break;
        }
      }
      if (verdict.version < mustHave) {
        problemCounts.set('stale', (problemCounts.get('stale') ?? 0) + 1);
        if (problems.length < 6) {
          const t0 = log.completedAt[0] ?? 0;
          problems.push(`stale: version ${verdict.version} for a request sent at +${sentAt - t0} ms; version ${mustHave} was on disk by +${(log.completedAt[mustHave] ?? t0) - t0} ms`);
        }
      }
    }
    const summary =
      `${result.observations.length} complete responses, ${result.aborted} aborted connections, ${seen.size} distinct states seen, ${log.last} written` +
      (tolerated.size > 0 ? `; tolerated in-place states: ${JSON.stringify([...tolerated])}` : '');
    diagnostic(summary);
    assert.deepEqual(problems, [], `${summary}; problem counts: ${JSON.stringify([...problemCounts])}`);
    assert.ok(log.last >= MIN_VERSIONS, `the writer wrote enough versions: ${summary}`);
    assert.ok(result.observations.length >= MIN_OBSERVATIONS, `the readers made enough requests: ${summary}`);
    const abortsAllowed = mode === 'in-place';
    if (!abortsAllowed) assert.equal(result.aborted, 0, `no connection may be aborted here: ${summary}`);

    // The writer has stopped: 1.1 s later the final version is served, with a new ETag.
    const waitMs = (log.completedAt[log.last] ?? Date.now()) + 1100 - Date.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const final = await fetchOne(server.port, request('GET', path));
    assert.deepEqual(judge(final, shape, log.last), { kind: 'version', version: log.last }, 'the final version, 1.1 s after the last write');
    assert.notEqual(final.get('etag'), initialEtag, 'a new ETag');
    assert.equal(final.get('etag'), strongEtag(await stat(file)), 'the ETag of the file now on disk');
    assert.equal(final.get('content-length'), String((await stat(file)).size));
  }

  test('a small (in-memory) file replaced atomically via rename', T, (t) => churn(SMALL, 'rename', (m) => t.diagnostic(m)));
  test('a small (in-memory) file rewritten in place', T, (t) => churn(SMALL, 'in-place', (m) => t.diagnostic(m)));
  test('a large (streamed) file replaced atomically via rename', T, (t) => churn(LARGE, 'rename', (m) => t.diagnostic(m)));
  test('a large (streamed) file rewritten in place: aborts allowed, wrong lengths not', T, (t) => churn(LARGE, 'in-place', (m) => t.diagnostic(m)));
});
