/**
 * What a hostile or broken client can cost, over real sockets (issue: hardening). Each test
 * reproduces one finding of the adversarial probe and failed on the code before the fix:
 * pipelining without reading grew memory without bound; one extra CRLF switched off the
 * keep-alive timeout; a client that never reads held its socket and the file's descriptor
 * forever; bodies that never finish held memory; the control file was served through a
 * symbolic link.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { fetchOne, request } from '../helpers/raw-client.js';
import { startPorta as spawnPorta } from '../helpers/spawn-porta.js';

const T = { timeout: 30_000 };
const TWO_KB = Buffer.alloc(2048, 0x61);
const TEN_MB = Buffer.alloc(10 * 1024 * 1024, 0x62);

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.on('error', reject);
  });
}


const openDescriptors = (): number => readdirSync('/proc/self/fd').length;

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

describe('hardening: bounded cost per client', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      '2k.txt': TWO_KB,
      'big.bin': TEN_MB,
      'private/WeMustProtectThisHouse!': 'authorization-type=Basic\nrealm="x"\nuser:5f4dcc3b5aa765d61d8327deb882cf99\n',
      'private/page.txt': 'private\n',
      'authlink': { symlink: 'private/WeMustProtectThisHouse!' },
    });
    porta = await startPorta({ root: site.root, limits: { keepAliveTimeoutMs: 300, headerTimeoutMs: 1000, sendTimeoutMs: 500 } });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  test('an extra CRLF after a request does not keep connections open: all closed at the keep-alive timeout', T, async () => {
    const sockets = await Promise.all(Array.from({ length: 50 }, () => open(porta.port)));
    try {
      for (const socket of sockets) {
        socket.on('data', () => undefined);
        socket.write(`${request('GET', '/2k.txt')}\r\n`);
      }
      await eventually(() => porta.logLines.length >= 50, 'every connection answered', 10_000);
      await eventually(() => porta.openConnections() === 0, 'every connection closed by the server', 5000);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  test('a client that never reads a 10 MB file is dropped after the send timeout, and the file is let go', T, async () => {
    const before = openDescriptors();
    const sockets = await Promise.all(Array.from({ length: 20 }, () => open(porta.port)));
    try {
      for (const socket of sockets) {
        socket.pause();
        socket.write(request('GET', '/big.bin'));
      }
      await eventually(() => porta.openConnections() === 20 && openDescriptors() >= before + 20, 'the responses started', 10_000);
      await eventually(() => porta.openConnections() === 0, 'every connection abandoned', 10_000);
      await eventually(() => openDescriptors() <= before + sockets.length, 'the descriptors released', 5000);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await eventually(() => openDescriptors() <= before + 1, 'all client sockets gone too', 5000);
  });

  test('bodies that never finish cost nothing: each is answered and its connection closed', T, async () => {
    const size = 2 * 1024 * 1024;
    const sockets = await Promise.all(Array.from({ length: 50 }, () => open(porta.port)));
    try {
      for (const socket of sockets) {
        socket.on('data', () => undefined);
        socket.on('error', () => undefined);
        socket.write(request('POST', '/2k.txt', [`Content-Length: ${size}`]));
        socket.write(Buffer.alloc(size - 1, 0x63));
      }
      await eventually(() => porta.openConnections() === 0, 'every connection closed', 10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  test('the auth control file is not served through a symbolic link, nor under other spellings', T, async () => {
    for (const target of ['/authlink', '/private/WeMustProtectThisHouse!', '/private/./WeMustProtectThisHouse!', '/private//WeMustProtectThisHouse%21', '/x/../private/WeMustProtectThisHouse!']) {
      const res = await fetchOne(porta.port, request('GET', target));
      assert.equal(res.status, 404, target);
      assert.ok(!res.text.includes('5f4dcc3b'), `${target}: no hash in the page`);
    }
  });
});

describe('hardening: pipelining without reading (a real porta process)', () => {
  test('one connection that pipelines 50,000 requests and never reads costs a bounded amount of memory', T, async () => {
    const site = await makeTempSite({ '2k.txt': TWO_KB });
    const server = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off']);
    try {
      const [, port] = await server.waitForStderr(/Local:\s+http:\/\/[^:]+:(\d+)\//);
      const pid = server.child.pid as number;
      // Warm up, so the first responses' own allocations are not counted.
      for (let i = 0; i < 20; i++) await fetchOne(Number(port), request('GET', '/2k.txt'));
      const before = rssOf(pid);
      const socket = await open(Number(port));
      socket.pause();
      const batch = Buffer.from(request('GET', '/2k.txt').repeat(1000), 'latin1');
      for (let i = 0; i < 50; i++) socket.write(batch);
      // Watch the server's memory for as long as the unfixed server took to swallow all of it
      // (well under a second here): a slower machine can only make the growth smaller.
      let grown = 0;
      for (let sample = 0; sample < 30; sample++) {
        // Fixed wait: memory is sampled over a span of time; growth has no event to wait for.
        await new Promise((resolve) => setTimeout(resolve, 50));
        grown = Math.max(grown, rssOf(pid) - before);
      }
      socket.destroy();
      assert.ok(grown < 30 * 1024 * 1024, `RSS grew by ${(grown / 1048576).toFixed(1)} MiB (the unfixed server: ~170 MiB for 50,000)`);
    } finally {
      await server.stop('SIGTERM');
      await site.cleanup();
    }
  });
});
