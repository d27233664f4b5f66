import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startEchoServer, type EchoServer } from '../../src/services/echo-server.js';
import { eventually } from '../helpers/eventually.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes its side. */
function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/** Writes `piece` and resolves once it has been handed to the kernel (its own segment on loopback). */
function writeOut(socket: net.Socket, piece: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(piece, (error) => (error ? reject(error) : resolve())));
}

/** Resolves once everything received on `socket` so far includes `text`. */
function received(socket: net.Socket, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (!seen.includes(text)) return;
      socket.off('data', onData);
      resolve();
    };
    socket.on('data', onData);
  });
}

/** Sends `data`, half-closes, and returns what came back. */
async function roundTrip(port: number, data: Buffer, host?: string): Promise<Buffer> {
  const socket = await connect(port, host);
  const reply = readAll(socket);
  socket.end(data);
  const result = await reply;
  socket.destroy();
  return result;
}

function udpRoundTrip(port: number, datagram: Buffer, type: 'udp4' | 'udp6' = 'udp4'): Promise<Buffer> {
  const socket = dgram.createSocket(type);
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no UDP reply within 2 s')), 2000);
    socket.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    socket.send(datagram, port, type === 'udp4' ? '127.0.0.1' : '::1');
  }).finally(() => socket.close());
}

describe('echo service (RFC 862), byte mode', () => {
  let echo: EchoServer;
  let port: number;
  before(async () => {
    echo = await startEchoServer({ host: '127.0.0.1', port: 0 });
    port = (echo.tcpAddress as net.AddressInfo).port;
  });
  after(() => echo.close());

  it('listens for TCP and UDP on the same port number', () => {
    assert.equal(echo.tcpAddress?.port, echo.udpAddress?.port);
    assert.notEqual(port, 0);
  });

  it('echoes every byte value unchanged', async () => {
    const data = Buffer.from(Array.from({ length: 256 * 4 }, (_, i) => i % 256));
    assert.deepEqual(await roundTrip(port, data), data);
  });

  it('echoes a 10 MB stream byte-exact', { timeout: 20_000 }, async () => {
    const data = randomBytes(10 * 1024 * 1024);
    const socket = await connect(port);
    const reply = readAll(socket);
    // Write in pieces while reading, as a real client would.
    for (let offset = 0; offset < data.length; offset += 256 * 1024) {
      if (!socket.write(data.subarray(offset, offset + 256 * 1024))) await new Promise((r) => socket.once('drain', r));
    }
    socket.end();
    const echoed = await reply;
    socket.destroy();
    assert.equal(echoed.length, data.length);
    assert.equal(sha256(echoed), sha256(data));
  });

  it('answers a half-close by sending the rest and then closing', async () => {
    const socket = await connect(port);
    const reply = readAll(socket);
    const echoedFirst = received(socket, 'first ');
    socket.write('first ');
    // The half-close comes after the server has answered the first part on its own.
    await echoedFirst;
    socket.end('last');
    // readAll resolves on the server's FIN, which only comes after the data.
    assert.equal((await reply).toString(), 'first last');
    await new Promise((resolve) => (socket.destroyed ? resolve(undefined) : socket.once('close', resolve)));
  });

  it('serves many clients at once, each getting its own data back', { timeout: 10_000 }, async () => {
    const payloads = Array.from({ length: 50 }, () => randomBytes(64 * 1024));
    const replies = await Promise.all(payloads.map((payload) => roundTrip(port, payload)));
    replies.forEach((reply, i) => assert.equal(sha256(reply), sha256(payloads[i] as Buffer), `client ${i}`));
  });

  it('returns each UDP datagram to its sender', async () => {
    const datagram = randomBytes(1200);
    assert.deepEqual(await udpRoundTrip(port, datagram), datagram);
    const [a, b] = await Promise.all([udpRoundTrip(port, Buffer.from('from a')), udpRoundTrip(port, Buffer.from('from b'))]);
    assert.equal(a.toString(), 'from a');
    assert.equal(b.toString(), 'from b');
    assert.ok(echo.stats.datagramsReceived >= 3);
  });

  it('counts connections and forgets closed ones', async () => {
    await roundTrip(port, Buffer.from('x'));
    await eventually(() => echo.stats.activeConnections === 0, 'the closed connection to be forgotten');
    assert.ok(echo.stats.totalConnections >= 1);
  });
});

describe('echo service, a client that does not read', () => {
  it('pauses instead of buffering without bound', { timeout: 30_000 }, async () => {
    const echo = await startEchoServer({ host: '127.0.0.1', port: 0, udp: false });
    try {
      const port = (echo.tcpAddress as net.AddressInfo).port;
      const total = 48 * 1024 * 1024;
      const data = randomBytes(total);
      const socket = await connect(port);
      socket.pause(); // The client stops reading.
      socket.write(data);
      socket.end();
      await eventually(() => echo.stats.backpressurePauses >= 1, 'the server to pause the connection', 10_000);

      // Flow control kicked in: the server stopped reading, and what it holds in user space
      // stayed around one socket buffer however much the client pushed.
      assert.ok(echo.stats.backpressurePauses >= 1, 'the server paused the connection');
      assert.ok(echo.stats.peakBufferedBytes <= 1024 * 1024, `peak buffer ${echo.stats.peakBufferedBytes} bytes`);
      assert.ok(echo.stats.bytesReceived < total, `server took only ${echo.stats.bytesReceived} of ${total} bytes`);

      // Once the client reads again, everything arrives intact.
      const reply = readAll(socket);
      socket.resume();
      const echoed = await reply;
      socket.destroy();
      assert.equal(sha256(echoed), sha256(data));
      assert.ok(echo.stats.peakBufferedBytes <= 1024 * 1024, `peak buffer ${echo.stats.peakBufferedBytes} bytes`);
    } finally {
      await echo.close();
    }
  });
});

describe('echo service, line mode', () => {
  let echo: EchoServer;
  let port: number;
  before(async () => {
    echo = await startEchoServer({ host: '127.0.0.1', port: 0, linePrefix: 'You said: ' });
    port = (echo.tcpAddress as net.AddressInfo).port;
  });
  after(() => echo.close());

  it('answers each line with the prefix, line ends kept, a last partial line completed', async () => {
    const reply = await roundTrip(port, Buffer.from('hello\nwindows\r\n\nunfinished'));
    assert.equal(reply.toString(), 'You said: hello\nYou said: windows\r\nYou said: \nYou said: unfinished\n');
  });

  it('handles lines split across writes', async () => {
    const socket = await connect(port);
    const reply = readAll(socket);
    const firstLine = received(socket, 'You said: hello\n');
    await writeOut(socket, 'hel');
    await writeOut(socket, 'lo\nwor');
    // The last piece goes once the first line has been answered, so it cannot join the others.
    await firstLine;
    await writeOut(socket, 'ld\n');
    socket.end();
    assert.equal((await reply).toString(), 'You said: hello\nYou said: world\n');
    socket.destroy();
  });

  it('prefixes the lines of a UDP datagram', async () => {
    assert.equal((await udpRoundTrip(port, Buffer.from('ping\n'))).toString(), 'You said: ping\n');
  });
});

describe('echo service, options and lifecycle', () => {
  it('serves only TCP or only UDP when asked', async () => {
    const tcpOnly = await startEchoServer({ host: '127.0.0.1', port: 0, udp: false });
    const udpOnly = await startEchoServer({ host: '127.0.0.1', port: 0, tcp: false });
    try {
      assert.ok(tcpOnly.tcpAddress);
      assert.equal(tcpOnly.udpAddress, undefined);
      assert.equal(udpOnly.tcpAddress, undefined);
      const udpPort = (udpOnly.udpAddress as net.AddressInfo).port;
      assert.equal((await udpRoundTrip(udpPort, Buffer.from('u'))).toString(), 'u');
    } finally {
      await tcpOnly.close();
      await udpOnly.close();
    }
  });

  it('works over IPv6 loopback', async () => {
    const echo = await startEchoServer({ host: '::1', port: 0 });
    try {
      const port = (echo.tcpAddress as net.AddressInfo).port;
      assert.equal((await roundTrip(port, Buffer.from('six'), '::1')).toString(), 'six');
      assert.equal((await udpRoundTrip(port, Buffer.from('udp6'), 'udp6')).toString(), 'udp6');
    } finally {
      await echo.close();
    }
  });

  it('serves IPv4 clients on a dual-stack (::) listener, TCP and UDP', async () => {
    const echo = await startEchoServer({ host: '::', port: 0 });
    try {
      const port = (echo.tcpAddress as net.AddressInfo).port;
      assert.equal((await roundTrip(port, Buffer.from('four'), '127.0.0.1')).toString(), 'four');
      assert.equal((await udpRoundTrip(port, Buffer.from('udp4'), 'udp4')).toString(), 'udp4');
    } finally {
      await echo.close();
    }
  });

  it('rejects with EADDRINUSE when the UDP port is taken', async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(startEchoServer({ host: '127.0.0.1', port: taken.address().port, tcp: false }), { code: 'EADDRINUSE' });
    } finally {
      taken.close();
    }
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    const first = await startEchoServer({ host: '127.0.0.1', port: 0, udp: false });
    try {
      const port = (first.tcpAddress as net.AddressInfo).port;
      await assert.rejects(startEchoServer({ host: '127.0.0.1', port }), { code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  it('close() drops open connections and stops listening', async () => {
    const echo = await startEchoServer({ host: '127.0.0.1', port: 0, udp: false });
    const port = (echo.tcpAddress as net.AddressInfo).port;
    const socket = await connect(port);
    // The server's side goes away: the client sees end of stream (or a reset).
    const dropped = new Promise((resolve) => {
      socket.once('end', resolve);
      socket.once('error', resolve);
    });
    await echo.close();
    await dropped;
    socket.destroy();
    await assert.rejects(connect(port), { code: 'ECONNREFUSED' });
  });
});
