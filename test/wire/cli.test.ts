/**
 * `porta serve` as a user runs it (docs/serve.md): the real executable in a child process, its exit
 * codes and messages, flags / config file / $PORT, the banner, and graceful SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { fileURLToPath } from 'node:url';
import { makeTempSite, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, fetchOne, rawExchange, request } from '../helpers/raw-client.js';
import { eventually } from '../helpers/eventually.js';

const T = { timeout: 15_000 };
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs porta to completion (killing it after timeoutMs). */
function runPorta(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`porta ${args.join(' ')} did not exit within ${options.timeoutMs ?? 5000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 5000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Whether the process has a handler for signal number `signal` (SigCgt in /proc/PID/status). */
function catchesSignal(pid: number | undefined, signal: number): boolean {
  try {
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return caught !== null && ((BigInt(`0x${caught[1]}`) >> BigInt(signal - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** The environment without PORT (so the default applies unless a test sets it). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('PORT' in extra)) delete env.PORT;
  return env;
}

/** A running `porta serve`: its port as the banner says, and a way to stop it. */
interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly banner: string;
  stderr(): string;
  stdout(): string;
  /** Sends the signal and waits for the exit. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<Finished>;
}

/** Starts porta and waits for the banner's Local URL line. */
function startPortaProcess(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const exited = new Promise<Finished>((resolveExit) => {
      child.on('close', (code, signal) => resolveExit({ code, signal, stdout, stderr }));
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner within 5 s; stderr: ${stderr}`));
    }, 5000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /Local:\s+http:\/\/[^\s]*:(\d+)\/\n/.exec(stderr);
      if (match && !started) {
        started = true;
        clearTimeout(timer);
        resolve({
          child,
          port: Number(match[1]),
          banner: stderr,
          stderr: () => stderr,
          stdout: () => stdout,
          stop: async (signal, timeoutMs = 8000) => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            let killTimer: NodeJS.Timeout | undefined;
            const killed = new Promise<never>((_, rejectKill) => {
              killTimer = setTimeout(() => {
                child.kill('SIGKILL');
                rejectKill(new Error(`porta did not exit within ${timeoutMs} ms of ${signal}`));
              }, timeoutMs);
            });
            try {
              return await Promise.race([exited, killed]);
            } finally {
              clearTimeout(killTimer);
            }
          },
        });
      }
    });
    child.on('close', (code) => {
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`porta exited (${code}) before its banner; stderr: ${stderr}`));
      }
    });
  });
}

function assertOneLine(text: string, what: string): void {
  assert.match(text, /^porta: [^\n]+\n$/, `${what}: exactly one line on standard error, got ${JSON.stringify(text)}`);
}

describe('porta serve (the executable)', () => {
  let site: TempSite;

  before(async () => {
    site = await makeTempSite({ 'index.html': '<h1>index</h1>\n', 'home.htm': '<h1>home</h1>\n', 'file.txt': 'file\n' });
  });

  after(async () => {
    await site.cleanup();
  });

  test('--help prints the usage and exits 0', T, async () => {
    const result = await runPorta(['serve', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: porta serve/);
    assert.match(result.stdout, /--keep-alive-timeout/);
  });

  test('an unknown flag: exit 2 with one line naming it', T, async () => {
    const result = await runPorta(['serve', site.root, '--bogus-flag']);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, 'unknown flag');
    assert.match(result.stderr, /--bogus-flag/);
  });

  test('a bad --port value: exit 2 with one line naming --port', T, async () => {
    for (const value of ['not-a-port-name-xyz', '70000', '-1']) {
      const result = await runPorta(['serve', site.root, '--host', '127.0.0.1', '--port', value]);
      assert.equal(result.code, 2, `--port ${value}: ${result.stderr}`);
      assertOneLine(result.stderr, `--port ${value}`);
      assert.match(result.stderr, /--port/);
    }
  });

  test('a bad number for another flag: exit 2 naming the flag', T, async () => {
    const result = await runPorta(['serve', site.root, '--keep-alive-timeout', 'soon']);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, 'bad seconds');
    assert.match(result.stderr, /--keep-alive-timeout/);
  });

  test('a missing ROOT: exit 2 with one line', T, async () => {
    const result = await runPorta(['serve', `${site.base}/no-such-dir`, '--port', '0']);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, 'missing root');
    assert.match(result.stderr, /no-such-dir/);
  });

  test('an unknown config key: exit 2 with one line naming the key', T, async () => {
    const config = `${site.base}/bad-key.json`;
    await writeFile(config, JSON.stringify({ port: 0, keepAliveTimeOut: 3 }));
    const result = await runPorta(['serve', site.root, '--config', config]);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, 'bad config key');
    assert.match(result.stderr, /keepAliveTimeOut/);
  });

  test('a missing config file: exit 2', T, async () => {
    const result = await runPorta(['serve', site.root, '--config', `${site.base}/none.json`]);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, 'missing config');
  });

  test('a malformed redirects file: exit 2', T, async () => {
    const rules = `${site.base}/bad-rules.txt`;
    await writeFile(rules, '301 ^/a$\n');
    const result = await runPorta(['serve', site.root, '--port', '0', '--redirects', rules]);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, 'bad redirects');
  });

  test('the port already in use: exit 1 with a clear line', T, async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      const result = await runPorta(['serve', site.root, '--host', '127.0.0.1', '--port', String(port), '--access-log', 'off']);
      assert.equal(result.code, 1);
      assertOneLine(result.stderr, 'port in use');
      assert.match(result.stderr, /in use/);
      assert.ok(result.stderr.includes(String(port)));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('the banner lists the Local URL with the real port, and the server answers there', T, async () => {
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off']);
    try {
      assert.match(running.banner, /Local:\s+http:\/\/127\.0\.0\.1:\d+\//);
      assert.notEqual(running.port, 0);
      const res = await fetchOne(running.port, request('GET', '/file.txt'));
      assert.equal(res.status, 200);
      assert.equal(res.text, 'file\n');
      assert.match(res.get('server') ?? '', /^porta\//);
    } finally {
      await running.stop('SIGKILL');
    }
  });

  test('the PORT environment variable chooses the port when --port is absent', T, async () => {
    const port = await freePort();
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--access-log', 'off'], cleanEnv({ PORT: String(port) }));
    try {
      assert.equal(running.port, port);
      assert.equal((await fetchOne(port, request('GET', '/file.txt'))).status, 200);
    } finally {
      await running.stop('SIGKILL');
    }
  });

  test('--port beats PORT', T, async () => {
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off'], cleanEnv({ PORT: '1' }));
    try {
      assert.notEqual(running.port, 1);
    } finally {
      await running.stop('SIGKILL');
    }
  });

  test('config file values are applied, and a flag beats the file', T, async () => {
    const config = `${site.base}/porta.json`;
    await writeFile(config, JSON.stringify({ root: site.root, host: '127.0.0.1', port: 0, trace: false, index: ['home.htm'], accessLog: 'off', keepAliveTimeout: 0.3 }));
    const fromFile = await startPortaProcess(['serve', '--config', config]);
    try {
      const home = await fetchOne(fromFile.port, request('GET', '/'));
      assert.equal(home.text, '<h1>home</h1>\n', 'index from the config file');
      assert.equal((await fetchOne(fromFile.port, request('TRACE', '/'))).status, 405, 'trace: false from the config file');
      // keepAliveTimeout 0.3 s from the file: the idle connection gets its 408.
      const conn = await RawConnection.open(fromFile.port);
      try {
        conn.write(request('GET', '/file.txt'));
        await conn.waitForResponses(1);
        await conn.waitForClose(3000);
        assert.equal(conn.responses()[1]?.status, 408);
      } finally {
        conn.destroy();
      }
    } finally {
      await fromFile.stop('SIGKILL');
    }
    const flagWins = await startPortaProcess(['serve', '--config', config, '--trace', '--index', 'index.html']);
    try {
      assert.equal((await fetchOne(flagWins.port, request('GET', '/'))).text, '<h1>index</h1>\n');
      assert.equal((await fetchOne(flagWins.port, request('TRACE', '/'))).status, 200);
    } finally {
      await flagWins.stop('SIGKILL');
    }
  });

  test('limit flags are applied: --max-uri, --max-body, --header-timeout', T, async () => {
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off', '--max-uri', '100', '--max-body', '10', '--header-timeout', '0.3']);
    try {
      const long = await rawExchange(running.port, request('GET', `/${'a'.repeat(150)}`), { until: 'close' });
      assert.equal(long.responses[0]?.status, 414);
      const big = await rawExchange(running.port, request('POST', '/file.txt', ['Content-Length: 11']) + 'x'.repeat(11), { until: 'close' });
      assert.equal(big.responses[0]?.status, 413);
      const slow = await rawExchange(running.port, 'GET / HTTP/1.1\r\n', { until: 'close', timeoutMs: 3000 });
      assert.equal(slow.responses[0]?.status, 408);
    } finally {
      await running.stop('SIGKILL');
    }
  });

  test('--send-timeout, --dotfiles and --default-charset are applied; bad values exit 2 naming the flag', T, async () => {
    for (const [flag, value] of [['--send-timeout', 'never'], ['--dotfiles', 'maybe'], ['--default-charset', 'utf 8'], ['--max-connections', '0']] as const) {
      const result = await runPorta(['serve', site.root, flag, value]);
      assert.equal(result.code, 2, `${flag} ${value}: ${result.stderr}`);
      assertOneLine(result.stderr, flag);
      assert.match(result.stderr, new RegExp(flag));
    }
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off', '--default-charset', 'off', '--dotfiles', 'allow', '--send-timeout', '5']);
    try {
      const res = await fetchOne(running.port, request('GET', '/file.txt'));
      assert.equal(res.get('content-type'), 'text/plain');
    } finally {
      await running.stop('SIGKILL');
    }
  });

  test('--redirects FILE is applied', T, async () => {
    const rules = `${site.base}/rules.txt`;
    await writeFile(rules, '# rules\n301: ^/old/(.*)$ /new/$1\n');
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off', '--redirects', rules]);
    try {
      const res = await fetchOne(running.port, request('GET', '/old/x.html'));
      assert.equal(res.status, 301);
      assert.equal(res.get('location'), '/new/x.html');
    } finally {
      await running.stop('SIGKILL');
    }
  });

  test('SIGTERM: exit 0, and every access-log line is flushed to the --access-log file', T, async () => {
    const logFile = `${site.base}/sigterm.log`;
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', logFile]);
    const count = 25;
    const bytes = Array.from({ length: count }, (_, i) => request('GET', `/file.txt?n=${i}`)).join('');
    let finished: Finished;
    try {
      const { responses } = await rawExchange(running.port, bytes, { until: { responses: count } });
      assert.equal(responses.length, count);
    } finally {
      finished = await running.stop('SIGTERM');
    }
    assert.equal(finished.code, 0, `exit code; stderr: ${finished.stderr}`);
    const lines = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l !== '');
    assert.equal(lines.length, count);
    for (let i = 0; i < count; i++) assert.match(lines[i]!, new RegExp(`^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] "GET /file\\.txt\\?n=${i} HTTP/1\\.1" 200 5$`));
  });

  test('SIGTERM with an idle keep-alive connection open still exits 0 promptly', T, async () => {
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off']);
    let conn: RawConnection | undefined;
    try {
      conn = await RawConnection.open(running.port);
      conn.write(request('GET', '/file.txt'));
      await conn.waitForResponses(1);
      const started = Date.now();
      const finished = await running.stop('SIGTERM');
      assert.equal(finished.code, 0);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      await conn.waitForClose(1000);
    } finally {
      conn?.destroy();
      await running.stop('SIGKILL');
    }
  });

  test('SIGINT also stops gracefully with exit 0', T, async () => {
    const running = await startPortaProcess(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off']);
    // porta prints its banner a moment before it installs its signal handlers (see the report):
    // wait until it catches SIGINT, so this test checks the graceful path rather than the race.
    await eventually(() => catchesSignal(running.child.pid, 2), 'porta to catch SIGINT');
    const finished = await running.stop('SIGINT');
    assert.equal(finished.code, 0);
  });
});
