/**
 * `porta serve --workers N` as a user runs it (docs/serve.md): node:cluster workers sharing the
 * port, one access log appended to by all, a crashed worker replaced, SIGTERM to the primary
 * stopping every worker gracefully (exit 0, nothing left behind), a port in use reported once
 * (exit 1), and bad counts rejected as usage errors (exit 2).
 *
 * Processes are found through /proc: a worker is a child of the primary, and every process
 * of one test carries that test's unique --access-log path on its command line, so anything
 * left behind can be found (and is killed, by pid, in `finally`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { makeTempSite, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, rawExchange, request, type ParsedResponse } from '../helpers/raw-client.js';
import { runPorta, startPorta, type RunningPorta } from '../helpers/spawn-porta.js';

const T = { timeout: 20_000 };
const FILE_BODY = 'served by a worker\n';
const TIME = String.raw`\[\d{2}/(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]`;

// ---- Processes, through /proc ----

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Running (not zombie) children of `parent`. */
function childPids(parent: number): number[] {
  return allPids().filter((pid) => {
    const info = procInfo(pid);
    return info !== undefined && info.ppid === parent && info.state !== 'Z';
  });
}

function isRunning(pid: number): boolean {
  const info = procInfo(pid);
  return info !== undefined && info.state !== 'Z';
}

/** Live processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  return allPids().filter((pid) => {
    if (pid === process.pid || !isRunning(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
    } catch {
      return false;
    }
  });
}

/** The inode of the socket listening on 127.0.0.1:port (from /proc/net/tcp). */
function listeningInode(port: number): string | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields[3] === '0A') return fields[9];
  }
  return undefined;
}

/** The descriptor numbers under which the process has the listening socket. */
function socketDescriptors(pid: number, inode: string): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}

/** The process has the listening socket among its descriptors (received from the primary). */
function holdsSocket(pid: number, inode: string): boolean {
  return socketDescriptors(pid, inode).length > 0;
}

/**
 * The process watches the listening socket in its event loop: one of its epoll descriptors
 * lists it ("tfd: N" in /proc/PID/fdinfo), so it accepts connections from now on.
 */
function acceptsOn(pid: number, inode: string): boolean {
  const held = socketDescriptors(pid, inode);
  if (held.length === 0) return false;
  const watched = new RegExp(`^tfd:\\s+(?:${held.join('|')})\\s`, 'm');
  try {
    return readdirSync(`/proc/${pid}/fdinfo`).some((fd) => {
      try {
        return watched.test(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a value (not undefined), or fails after timeoutMs. */
async function waitUntil<V>(what: string, check: () => V | undefined, timeoutMs = 5000): Promise<V> {
  let value: V | undefined;
  await eventually(() => (value = check()) !== undefined, what, timeoutMs);
  return value as V;
}

/** Kills, by pid, whatever of this test is still running (the safety net of `finally`). */
function killLeftovers(marker: string): void {
  for (const pid of processesWith(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

// ---- porta with workers ----

interface Cluster {
  readonly running: RunningPorta;
  readonly port: number;
  readonly primary: number;
  /** The --access-log path: unique per test, and on every process's command line. */
  readonly logFile: string;
}

async function startCluster(site: TempSite, label: string): Promise<Cluster> {
  const logFile = site.path(`../${label}-${process.pid}.log`);
  const running = startPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--access-log', logFile], { timeoutMs: 25_000 });
  try {
    const local = await running.waitForStderr(/Local:\s+http:\/\/127\.0\.0\.1:(\d+)\/\n/, 8000);
    await running.waitForStderr(/\b2 worker processes\b/, 3000);
    const primary = running.child.pid;
    assert.ok(primary !== undefined);
    const port = Number(local[1]);
    assert.ok(port > 0);
    return { running, port, primary, logFile };
  } catch (error) {
    await running.stop('SIGKILL');
    killLeftovers(logFile);
    throw error;
  }
}

/** The primary's two workers, once both exist. */
function waitForWorkers(cluster: Cluster, count = 2, exclude: readonly number[] = []): Promise<number[]> {
  return waitUntil(`${count} worker processes`, () => {
    const pids = childPids(cluster.primary).filter((pid) => !exclude.includes(pid));
    return pids.length === count ? pids.sort((a, b) => a - b) : undefined;
  });
}

/**
 * Waits until every one of `pids` accepts on the listening socket: it has received it from
 * the primary and its event loop watches it.
 */
async function waitForServing(cluster: Cluster, pids: readonly number[]): Promise<void> {
  const inode = await waitUntil('the listening socket', () => listeningInode(cluster.port), 3000);
  await waitUntil(`workers ${pids.join(', ')} to accept on the listening socket`, () => (pids.every((pid) => acceptsOn(pid, inode)) ? true : undefined), 8000);
}

/** Waits until the shared access log holds `count` whole lines. */
async function waitForLogLines(cluster: Cluster, count: number): Promise<void> {
  const lines = async (): Promise<number> => (await readFile(cluster.logFile, 'utf8').catch(() => '')).split('\n').length - 1;
  await eventually(async () => (await lines()) >= count, `${count} lines in ${cluster.logFile}`, 5000);
}

function assertServed(response: ParsedResponse | undefined, what: string): void {
  assert.ok(response, `${what}: a response`);
  assert.equal(response.status, 200, `${what}: ${response.statusLine}`);
  assert.equal(response.text, FILE_BODY, `${what}: body`);
  assert.equal(response.get('content-length'), String(Buffer.byteLength(FILE_BODY)));
}

/**
 * `connections` connections at once, each sending `perConnection` requests (half of them
 * pipelined in one write, the rest one at a time); returns the targets requested.
 */
async function load(port: number, tag: string, connections: number, perConnection: number): Promise<string[]> {
  const targets: string[] = [];
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const conn = await RawConnection.open(port);
      try {
        const pipelined = Math.floor(perConnection / 2);
        const batch = Array.from({ length: pipelined }, (_, i) => `/file.txt?${tag}=${c}.${i}`);
        targets.push(...batch);
        conn.write(batch.map((target) => request('GET', target)).join(''));
        const first = await conn.waitForResponses(pipelined, { timeoutMs: 5000 });
        first.forEach((response, i) => assertServed(response, `${batch[i]}`));
        for (let i = pipelined; i < perConnection; i++) {
          const target = `/file.txt?${tag}=${c}.${i}`;
          targets.push(target);
          conn.write(request('GET', target));
          const responses = await conn.waitForResponses(i + 1, { timeoutMs: 5000 });
          assertServed(responses[i], target);
        }
      } finally {
        conn.destroy();
      }
    }),
  );
  return targets;
}

/** Sends SIGTERM to the primary: exit 0, and no worker (of `pids`, or of this test) left. */
async function stopGracefully(cluster: Cluster, pids: readonly number[]): Promise<void> {
  const started = Date.now();
  const result = await cluster.running.stop('SIGTERM');
  assert.equal(result.code, 0, `primary exit code after SIGTERM (signal ${result.signal}); stderr:\n${result.stderr}`);
  assert.ok(Date.now() - started < 8000, `stopped within 8 s (took ${Date.now() - started} ms)`);
  assert.match(result.stderr, /SIGTERM received/);
  await waitUntil('every worker to be gone', () => (pids.every((pid) => !isRunning(pid)) ? true : undefined), 3000).catch(() => undefined);
  assert.deepEqual(pids.filter(isRunning), [], 'no worker process is left running');
  assert.deepEqual(processesWith(cluster.logFile), [], 'no process of this porta is left running');
}

describe('porta serve --workers', () => {
  let site: TempSite;

  before(async () => {
    site = await makeTempSite({ 'file.txt': FILE_BODY, 'index.html': '<h1>workers</h1>\n' });
  });

  after(async () => {
    await site?.cleanup();
  });

  test('many requests over several connections are all served; one whole log line per request; SIGTERM stops everything with exit 0', T, async () => {
    const cluster = await startCluster(site, 'load');
    try {
      assert.match(cluster.running.stderr(), /Local:\s+http:\/\/127\.0\.0\.1:\d+\//);
      const workers = await waitForWorkers(cluster);
      assert.equal(workers.length, 2);
      await waitForServing(cluster, workers);
      assert.ok(!workers.includes(cluster.primary));

      const targets = [...(await load(cluster.port, 'a', 8, 24)), ...(await load(cluster.port, 'b', 4, 10))];
      // And a few on connections of their own.
      for (let i = 0; i < 10; i++) {
        const target = `/file.txt?single=${i}`;
        targets.push(target);
        const { responses } = await rawExchange(cluster.port, request('GET', target, ['Connection: close']), { until: 'close' });
        assertServed(responses[0], target);
      }
      assert.equal(targets.length, 8 * 24 + 4 * 10 + 10);
      assert.deepEqual(childPids(cluster.primary).sort((a, b) => a - b), workers, 'the same two workers throughout');

      await stopGracefully(cluster, workers);
      const text = await readFile(cluster.logFile, 'utf8');
      assert.ok(text.endsWith('\n'), 'the log ends with a whole line');
      const lines = text.split('\n').slice(0, -1);
      assert.equal(lines.length, targets.length, `one line per request (${targets.length}), got ${lines.length}`);
      const line = new RegExp(`^127\\.0\\.0\\.1 - - ${TIME} "GET (/file\\.txt\\?[a-z]+=[\\d.]+) HTTP/1\\.1" 200 ${Buffer.byteLength(FILE_BODY)}$`);
      const logged: string[] = [];
      for (const entry of lines) {
        const match = line.exec(entry);
        assert.ok(match, `a whole, well-formed line: ${JSON.stringify(entry)}`);
        logged.push(match[1] as string);
      }
      assert.deepEqual(logged.sort(), [...targets].sort(), 'every request logged exactly once');
    } finally {
      await cluster.running.stop('SIGKILL');
      killLeftovers(cluster.logFile);
    }
  });

  test('a worker killed with SIGKILL is replaced, and requests keep being served', T, async () => {
    const cluster = await startCluster(site, 'crash');
    const seen = new Set<number>();
    try {
      const original = await waitForWorkers(cluster);
      original.forEach((pid) => seen.add(pid));
      await waitForServing(cluster, original);
      await load(cluster.port, 'before', 4, 6);

      const [victim, survivor] = original as [number, number];
      // Access-log lines go out in batches; the victim's reach the file before it dies.
      await waitForLogLines(cluster, 4 * 6);
      process.kill(victim, 'SIGKILL');
      await waitUntil('the killed worker to die', () => (isRunning(victim) ? undefined : true), 3000);
      // Served right away, by the worker that is left.
      await load(cluster.port, 'during', 4, 6);
      const report = await cluster.running.waitForStderr(/worker (\d+) exited \(([^)]*)\); starting a replacement\n/, 5000);
      assert.equal(Number(report[1]), victim, `the report names the killed worker: ${report[0]}`);
      assert.match(report[2] as string, /SIGKILL/);
      const [replacement] = (await waitForWorkers(cluster, 1, [survivor, victim])) as [number];
      seen.add(replacement);
      assert.ok(!original.includes(replacement), 'a new worker pid');
      assert.ok(!isRunning(victim), 'the killed worker is gone');
      assert.deepEqual(childPids(cluster.primary).sort((a, b) => a - b), [survivor, replacement].sort((a, b) => a - b));
      await waitForServing(cluster, [replacement]);
      await load(cluster.port, 'after', 4, 6);

      // Now the other original goes too: for a moment the replacement is the only worker
      // accepting, so these requests show that it serves. Its log lines are written first.
      await waitForLogLines(cluster, 3 * 4 * 6);
      process.kill(survivor, 'SIGKILL');
      await waitUntil('the other original worker to die', () => (isRunning(survivor) ? undefined : true), 3000);
      await load(cluster.port, 'replacement', 3, 4);
      await cluster.running.waitForStderr(new RegExp(`worker ${survivor} exited \\(SIGKILL\\); starting a replacement\\n`), 5000);
      const [second] = (await waitForWorkers(cluster, 1, [replacement, survivor])) as [number];
      seen.add(second);
      assert.ok(!original.includes(second) && second !== replacement);
      await waitForServing(cluster, [second]);
      await load(cluster.port, 'final', 4, 6);

      await stopGracefully(cluster, [...seen]);
      const lines = (await readFile(cluster.logFile, 'utf8')).split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 4 * 6 * 4 + 3 * 4, 'every request served, and logged, once');
    } finally {
      await cluster.running.stop('SIGKILL');
      for (const pid of seen) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      killLeftovers(cluster.logFile);
    }
  });

  test('SIGINT to the primary also stops every worker gracefully with exit 0', T, async () => {
    const cluster = await startCluster(site, 'sigint');
    try {
      const workers = await waitForWorkers(cluster);
      await waitForServing(cluster, workers);
      await load(cluster.port, 'i', 2, 4);
      const result = await cluster.running.stop('SIGINT');
      assert.equal(result.code, 0, `exit code; stderr:\n${result.stderr}`);
      await waitUntil('every worker to be gone', () => (workers.every((pid) => !isRunning(pid)) ? true : undefined), 3000).catch(() => undefined);
      assert.deepEqual(workers.filter(isRunning), []);
      assert.equal((await readFile(cluster.logFile, 'utf8')).split('\n').filter((l) => l !== '').length, 8);
    } finally {
      await cluster.running.stop('SIGKILL');
      killLeftovers(cluster.logFile);
    }
  });

  test('SIGTERM while a replacement worker is still starting: every process exits 0 promptly', T, async () => {
    const cluster = await startCluster(site, 'early-stop');
    const seen = new Set<number>();
    try {
      const original = await waitForWorkers(cluster);
      original.forEach((pid) => seen.add(pid));
      await waitForServing(cluster, original);
      const [victim, survivor] = original as [number, number];
      process.kill(victim, 'SIGKILL');
      const [replacement] = (await waitForWorkers(cluster, 1, [survivor, victim])) as [number];
      seen.add(replacement);
      assert.ok(!holdsSocket(replacement, listeningInode(cluster.port) ?? '?'), 'precondition: the replacement is not serving yet');
      // The replacement exists but is still loading: stop now.
      const started = Date.now();
      cluster.running.child.kill('SIGTERM');
      let result: Awaited<typeof cluster.running.exited> | undefined;
      void cluster.running.exited.then((exited) => (result = exited));
      // With idle workers a graceful stop takes milliseconds; a single porta stops within 3 s.
      await eventually(() => result !== undefined, 'the primary to exit after SIGTERM', 3000).catch(() => undefined);
      const took = Date.now() - started;
      assert.ok(result !== undefined, `the primary had not exited ${took} ms after SIGTERM; stderr:\n${cluster.running.stderr()}`);
      assert.equal(result.code, 0, `exit code; stderr:\n${result.stderr}`);
      await waitUntil('every worker to be gone', () => ([...seen].every((pid) => !isRunning(pid)) ? true : undefined), 3000).catch(() => undefined);
      assert.deepEqual([...seen].filter(isRunning), [], 'no worker left running');
    } finally {
      await cluster.running.stop('SIGKILL');
      for (const pid of seen) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      killLeftovers(cluster.logFile);
    }
  });

  test('--workers 2 on a port already in use: exit 1 with one line, no process left behind', T, async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const marker = site.path(`../in-use-${process.pid}.log`);
    try {
      const { port } = blocker.address() as AddressInfo;
      const started = Date.now();
      const result = await runPorta(['serve', site.root, '--host', '127.0.0.1', '--port', String(port), '--workers', '2', '--access-log', marker], { timeoutMs: 10_000 });
      assert.equal(result.code, 1, `exit code (signal ${result.signal}); stderr: ${result.stderr}`);
      assert.match(result.stderr, /^porta: [^\n]+\n$/, `exactly one line on standard error, got ${JSON.stringify(result.stderr)}`);
      assert.match(result.stderr, /already in use/);
      assert.ok(result.stderr.includes(String(port)), 'the line names the port');
      assert.ok(Date.now() - started < 8000, `gave up within 8 s (took ${Date.now() - started} ms)`);
      await waitUntil('no process left', () => (processesWith(marker).length === 0 ? true : undefined), 3000).catch(() => undefined);
      assert.deepEqual(processesWith(marker), [], 'no worker left behind');
    } finally {
      killLeftovers(marker);
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  for (const value of ['0', 'x', '-1', '1.5', '257']) {
    test(`--workers ${value}: a usage error, exit 2 with one line naming --workers`, T, async () => {
      const marker = site.path(`../bad-workers-${process.pid}.log`);
      try {
        const result = await runPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--workers', value, '--access-log', marker], { timeoutMs: 10_000 });
        assert.equal(result.code, 2, `exit code; stderr: ${result.stderr}`);
        assert.match(result.stderr, /^porta: [^\n]+\n$/, `exactly one line, got ${JSON.stringify(result.stderr)}`);
        assert.match(result.stderr, /--workers/);
        assert.deepEqual(processesWith(marker), []);
      } finally {
        killLeftovers(marker);
      }
    });
  }
});
