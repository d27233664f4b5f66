/**
 * `--stop-timeout`: on SIGTERM porta stops accepting and lets downloads in flight finish for
 * that long (default 30 s, said in the line the stop prints), as nginx lets them finish,
 * instead of cutting a slow client after a fixed 5 s.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { makeTempSite } from '../helpers/porta-server.js';
import { request } from '../helpers/raw-client.js';
import { startPorta } from '../helpers/spawn-porta.js';

const FILE_BYTES = 16 * 1024 * 1024;
const PORT_LINE = /Local:\s+http:\/\/127\.0\.0\.1:(\d+)\//;

/** A download whose reader stops after the first bytes, until resumed. */
interface SlowDownload {
  readonly socket: Socket;
  /** Resumes reading; resolves with every byte received once the server closes. */
  finish(): Promise<Buffer>;
}

function startSlowDownload(port: number): Promise<SlowDownload> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(request('GET', '/big.bin')));
    const closed = new Promise<Buffer>((done) => socket.once('close', () => done(Buffer.concat(chunks))));
    socket.on('error', () => {});
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('data', () => {
      socket.pause();
      resolve({ socket, finish: () => (socket.resume(), closed) });
    });
  });
}

function bodyLength(response: Buffer): number {
  const end = response.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'a response head arrived');
  return response.length - end - 4;
}

describe('--stop-timeout', () => {
  test('a slow download in flight at SIGTERM is finished, and the stop line says how long it may take', { timeout: 60_000 }, async () => {
    const site = await makeTempSite({ 'big.bin': Buffer.alloc(FILE_BYTES, 0x61) });
    const porta = startPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off'], { timeoutMs: 55_000 });
    try {
      const port = Number((await porta.waitForStderr(PORT_LINE))[1]);
      const download = await startSlowDownload(port);
      porta.child.kill('SIGTERM');
      await porta.waitForStderr(/SIGTERM received, finishing requests in flight \(at most 30 s, --stop-timeout\)/);
      const received = await download.finish();
      assert.equal(bodyLength(received), FILE_BYTES, 'the whole file arrived');
      const result = await porta.exited;
      assert.equal(result.code, 0);
    } finally {
      await porta.stop('SIGKILL');
      await site.cleanup();
    }
  });

  test('past the stop timeout a download that is not read is cut, and porta exits 0', { timeout: 30_000 }, async () => {
    const site = await makeTempSite({ 'big.bin': Buffer.alloc(FILE_BYTES, 0x61) });
    const porta = startPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off', '--stop-timeout', '1'], { timeoutMs: 25_000 });
    try {
      const port = Number((await porta.waitForStderr(PORT_LINE))[1]);
      const download = await startSlowDownload(port);
      porta.child.kill('SIGTERM');
      await porta.waitForStderr(/at most 1 s, --stop-timeout/);
      const result = await porta.exited;
      assert.equal(result.code, 0);
      const received = await download.finish();
      assert.ok(bodyLength(received) < FILE_BYTES, 'the download was cut');
    } finally {
      await porta.stop('SIGKILL');
      await site.cleanup();
    }
  });
});
