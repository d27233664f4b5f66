import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { runPorta, startPorta, unprivilegedUser } from '../helpers/spawn-porta.js';
import { eventually } from '../helpers/eventually.js';

function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end(data));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      socket.destroy();
      resolve(text);
    });
    socket.on('error', reject);
  });
}

/** A port that was free a moment ago (listen on 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Retries `attempt` until it succeeds (the service is not listening yet), for at most 10 s. */
async function untilAnswered<T>(attempt: () => Promise<T>): Promise<T> {
  let answer: { value: T } | undefined;
  let lastError: unknown;
  await eventually(async () => {
    try {
      answer = { value: await attempt() };
    } catch (error) {
      lastError = error;
    }
    return answer !== undefined;
  }, 'the service to answer', 10_000).catch(() => {
    throw lastError;
  });
  return (answer as { value: T }).value;
}

/** As root the privileged-port check never fires; run that child as nobody instead. */
const asUnprivileged = unprivilegedUser();

describe('porta echo (CLI)', () => {
  it('prints one start-up line, echoes, and exits 0 on SIGTERM', async () => {
    const echo = startPorta(['echo', '--host', '127.0.0.1', '--port', '0', '--lines', '--prefix', 'You said: ']);
    try {
      const [, port] = await echo.waitForStderr(/listening on tcp 127\.0\.0\.1:(\d+) and udp 127\.0\.0\.1:\d+\n/);
      assert.equal(await exchange(Number(port), 'hi\n'), 'You said: hi\n');
    } finally {
      const result = await echo.stop('SIGTERM');
      assert.equal(result.code, 0);
      assert.equal(result.stderr.split('\n').filter(Boolean).length, 1, result.stderr);
    }
  });

  it('exits 0 on SIGINT too, and --quiet prints nothing', async () => {
    const port = await freePort();
    const echo = startPorta(['echo', '--host', '127.0.0.1', '--port', String(port), '--tcp', '--quiet']);
    // Ready when it answers (no banner with --quiet).
    assert.equal(await untilAnswered(() => exchange(port, 'ping')), 'ping');
    const result = await echo.stop('SIGINT');
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
  });

  it('rejects an unknown flag with exit 2', async () => {
    const result = await runPorta(['echo', '--bogus']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'porta: unknown flag --bogus\n');
  });

  it('rejects a port that is neither a number nor a service with exit 2', async () => {
    const result = await runPorta(['echo', '--port', 'no-such-service']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^porta: --port: 'no-such-service' is neither a port number nor a service name/);
  });

  it('explains that port 7 is privileged and suggests another', { skip: typeof asUnprivileged === 'string' ? asUnprivileged : false }, async () => {
    const result = await runPorta(['echo', '--host', '127.0.0.1'], typeof asUnprivileged === 'string' ? {} : asUnprivileged);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^porta: cannot listen on 127\.0\.0\.1:7: ports below 1024 are privileged.*--port 7007/);
  });

  it('says when the port is already in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as net.AddressInfo;
      const result = await runPorta(['echo', '--host', '127.0.0.1', '--port', String(port), '--tcp']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /already in use/);
    } finally {
      blocker.close();
    }
  });
});

describe('porta hello (CLI)', () => {
  it('greets with placeholders, logs one line per connection, exits 0 on SIGINT', async () => {
    const hello = startPorta(['hello', '--host', '127.0.0.1', '--port', '0', '--message', 'Hi {ip}']);
    try {
      const [, port] = await hello.waitForStderr(/listening on tcp 127\.0\.0\.1:(\d+)/);
      assert.equal(await exchange(Number(port), ''), 'Hi 127.0.0.1\r\n');
      await eventually(() => hello.stdout().toString().includes('\n'), 'the connection’s log line', 1000).catch(() => undefined);
    } finally {
      const result = await hello.stop('SIGINT');
      assert.equal(result.code, 0);
      assert.match(result.stdout.toString(), /^\S+Z 127\.0\.0\.1:\d+ sent 14 bytes in \d+ ms\n$/);
    }
  });

  it('rejects a bad --dns-timeout with exit 2', async () => {
    const result = await runPorta(['hello', '--dns-timeout', 'soon']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--dns-timeout must be a number of seconds/);
  });
});
