import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startEchoServer, type EchoServer } from '../../src/services/echo-server.js';
import { startHelloServer } from '../../src/services/hello-server.js';
import { runPorta } from '../helpers/spawn-porta.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('porta nc (CLI)', () => {
  let echo: EchoServer;
  let port: number;
  let dir: string;
  before(async () => {
    echo = await startEchoServer({ host: '127.0.0.1', port: 0 });
    port = (echo.tcpAddress as net.AddressInfo).port;
    // Scratch files stay inside the checkout (.porta-tmp-* is git-ignored).
    dir = mkdtempSync(fileURLToPath(new URL('../../../.porta-tmp-nc-', import.meta.url)));
  });
  after(async () => {
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pipes a file through the echo server byte-exact, half-closing at end of input', { timeout: 20_000 }, async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const file = join(dir, 'input.bin');
    writeFileSync(file, data);
    const result = await runPorta(['nc', '127.0.0.1', String(port)], { stdin: { file } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `Connected to 127.0.0.1 (127.0.0.1) port ${port}\n`);
    assert.equal(result.stdout.length, data.length);
    assert.equal(sha256(result.stdout), sha256(data));
  });

  it('accepts a service name for the port', async () => {
    // 'echo' is port 7 in /etc/services; nothing listens there, so the refusal names port 7.
    const result = await runPorta(['nc', '127.0.0.1', 'echo']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /port 7\b/);
  });

  it('exits when the server closes, even with input still open', async () => {
    const hello = await startHelloServer({ host: '127.0.0.1', port: 0, message: 'hi {ip}' });
    try {
      const result = await runPorta(['nc', '--quiet', '127.0.0.1', String(hello.address.port)]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout.toString(), 'hi 127.0.0.1\r\n');
      assert.equal(result.stderr, '');
    } finally {
      await hello.close();
    }
  });

  it('sends each line as a datagram with --udp and prints each reply', async () => {
    const result = await runPorta(['nc', '-u', '127.0.0.1', String(port)], { stdin: 'one\ntwo\nno newline' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'one\ntwo\nno newline\n');
  });

  it('fails with exit 1 when no reply comes back over UDP', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const result = await runPorta(['nc', '--udp', '--timeout', '0.3', '127.0.0.1', String(silent.address().port)], { stdin: 'hello?\n' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /porta: no reply from 127\.0\.0\.1 port \d+ to 1 of 1 datagrams within 0\.3 s\n$/);
    } finally {
      silent.close();
    }
  });

  it('reports a refused TCP connection in one line, exit 1', async () => {
    const closed = await startEchoServer({ host: '127.0.0.1', port: 0, udp: false });
    const freePort = (closed.tcpAddress as net.AddressInfo).port;
    await closed.close();
    const result = await runPorta(['nc', '127.0.0.1', String(freePort)]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `porta: connection refused by 127.0.0.1 port ${freePort} (nothing is listening there)\n`);
  });

  it('reports a refused UDP port (ICMP port unreachable), exit 1', async () => {
    const closed = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
    const freePort = closed.address().port;
    closed.close();
    const result = await runPorta(['nc', '-u', '-w', '2', '127.0.0.1', String(freePort)], { stdin: 'x\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /connection refused|no reply/);
  });

  it('rejects bad arguments with exit 2', async () => {
    for (const args of [['nc', 'onlyhost'], ['nc', 'host', 'not-a-service'], ['nc', '--bogus', 'h', '1'], ['nc', '-w', 'x', 'h', '1']]) {
      const result = await runPorta(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /^porta: .+\n$/);
    }
  });
});
