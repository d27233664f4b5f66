/**
 * The transport on Bun's native sockets, against a stand-in socket whose kernel takes only as
 * many bytes as the test allows: what is not taken waits in order and goes at the drain, a
 * "wait" from write() is always followed by a drain (also when a cork's batch was taken
 * whole), end() waits for what is queued, and nothing is written after the close.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BunSocketTransport, type BunSocket } from '../../src/transport/bun-socket-transport.js';
import type { TransportHandler } from '../../src/transport/transport.js';

class StandInSocket implements BunSocket {
  data: BunSocketTransport | undefined = undefined;
  /** Bytes the kernel takes at the next writes (Infinity: all). */
  room = Infinity;
  readonly taken: Buffer[] = [];
  ended = false;
  terminated = false;
  paused = false;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 5000;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 80;
  write(data: Uint8Array): number {
    if (this.terminated) return -1;
    const n = Math.min(this.room, data.length);
    this.room -= n;
    this.taken.push(Buffer.from(data.subarray(0, n)));
    return n;
  }
  end(): void {
    this.ended = true;
  }
  terminate(): void {
    this.terminated = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  sent(): string {
    return Buffer.concat(this.taken).toString('latin1');
  }
}

function attach(transport: BunSocketTransport): { drains: number; data: string[]; ends: number; closes: number } {
  const seen = { drains: 0, data: [] as string[], ends: 0, closes: 0 };
  const handler: TransportHandler = {
    onData: (chunk) => seen.data.push(chunk.toString('latin1')),
    onEnd: () => seen.ends++,
    onError: () => undefined,
    onClose: () => seen.closes++,
    onDrain: () => seen.drains++,
  };
  transport.attach(handler);
  return seen;
}

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('BunSocketTransport', () => {
  test('what the kernel does not take waits, in order, and goes at the drain; a "wait" is followed by a drain', () => {
    const socket = new StandInSocket();
    const transport = new BunSocketTransport(socket);
    const seen = attach(transport);
    socket.room = 10;
    assert.equal(transport.write(Buffer.from('a'.repeat(20_000))), false, 'past the mark: wait');
    assert.equal(transport.writableLength, 19_990);
    transport.write(Buffer.from('b'.repeat(5)));
    socket.room = 5_000;
    transport.drained();
    assert.equal(seen.drains, 0, 'not yet: bytes still queued');
    socket.room = Infinity;
    transport.drained();
    assert.equal(seen.drains, 1);
    assert.equal(transport.writableLength, 0);
    assert.equal(socket.sent(), `${'a'.repeat(20_000)}bbbbb`);
    assert.equal(transport.bytesWritten, 20_005);
  });

  test('a cork gathers writes into one; a "wait" given under the cork is followed by a drain even when all was taken', async () => {
    const socket = new StandInSocket();
    const transport = new BunSocketTransport(socket);
    const seen = attach(transport);
    transport.cork();
    transport.writeLatin1('HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(transport.write(Buffer.alloc(20_000, 0x41)), false);
    assert.equal(socket.taken.length, 0, 'nothing leaves while corked');
    transport.uncork();
    assert.equal(socket.taken.length, 1, 'one write for the batch');
    assert.equal(transport.writableLength, 0);
    await tick();
    assert.equal(seen.drains, 1, 'the drain the "wait" promised');
  });

  test('end() waits for what is queued; after the close nothing is written and waiters are told', async () => {
    const socket = new StandInSocket();
    const transport = new BunSocketTransport(socket);
    const seen = attach(transport);
    socket.room = 3;
    transport.write(Buffer.from('hello'));
    transport.end();
    assert.equal(socket.ended, false, 'two bytes still queued');
    socket.room = Infinity;
    transport.drained();
    assert.equal(socket.ended, true);
    assert.equal(socket.sent(), 'hello');
    let closedSeen = false;
    transport.onceClosed(() => (closedSeen = true));
    transport.closed();
    transport.closed();
    assert.equal(seen.closes, 1, 'one close');
    assert.equal(closedSeen, true);
    assert.equal(transport.write(Buffer.from('late')), false);
    assert.equal(socket.sent(), 'hello');
  });

  test('pause and resume reach the socket once each; peer data and half-close reach the handler', () => {
    const socket = new StandInSocket();
    const transport = new BunSocketTransport(socket);
    const seen = attach(transport);
    transport.pause();
    assert.equal(socket.paused, true);
    assert.equal(transport.isPaused(), true);
    transport.resume();
    assert.equal(socket.paused, false);
    transport.receive(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    transport.peerEnded();
    assert.deepEqual(seen.data, ['GET / HTTP/1.1\r\n\r\n']);
    assert.equal(seen.ends, 1);
    assert.equal(transport.remotePort, 5000);
  });
});
