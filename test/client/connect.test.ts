import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { connectTcp, describeConnectError, formatHost } from '../../src/client/connect.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`connect ${code}`), { code });

describe('describeConnectError', () => {
  it('turns errno codes into one sentence', () => {
    assert.equal(describeConnectError(errno('ENOTFOUND'), 'nosuch.invalid', 80), "unknown host 'nosuch.invalid'");
    assert.equal(describeConnectError(errno('EAI_AGAIN'), 'flaky.test', 80), "cannot resolve host 'flaky.test' (temporary DNS failure)");
    assert.equal(describeConnectError(errno('ECONNREFUSED'), '::1', 9), 'connection refused by [::1] port 9 (nothing is listening there)');
    assert.equal(describeConnectError(errno('EHOSTUNREACH'), '192.0.2.1', 80), 'cannot reach 192.0.2.1 port 80: no route to host');
    assert.equal(describeConnectError(errno('ECONNRESET'), 'h', 1), 'connection reset by h port 1');
    assert.equal(describeConnectError(new Error('odd'), 'h', 1), 'cannot connect to h port 1: odd');
  });

  it('reads the first attempt of an AggregateError (several addresses tried)', () => {
    const error = new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')], 'all failed');
    assert.match(describeConnectError(error, 'localhost', 9), /^connection refused by localhost port 9/);
  });

  it('brackets IPv6 literals only', () => {
    assert.equal(formatHost('::1'), '[::1]');
    assert.equal(formatHost('example.test'), 'example.test');
  });
});

describe('connectTcp', () => {
  it('resolves with a connected socket', async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const socket = await connectTcp({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, timeoutMs: 2000 });
      assert.equal(socket.remoteAddress, '127.0.0.1');
      socket.destroy();
    } finally {
      server.close();
    }
  });

  it('rejects with a ClientFailure naming the host and port', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await assert.rejects(connectTcp({ host: '::1', port, timeoutMs: 2000 }), {
      name: 'ClientFailure',
      message: `connection refused by [::1] port ${port} (nothing is listening there)`,
    });
  });
});
