import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, it } from 'node:test';
import { displayAddress, formatEndpoint, renderGreeting, templateNeedsHost } from '../../src/services/hello-greeting.js';
import { formatHelloLogLine } from '../../src/services/hello-log.js';
import { createReverseLookup } from '../../src/services/hello-reverse-dns.js';
import { startHelloServer, type HelloConnectionRecord, type HelloServerOptions } from '../../src/services/hello-server.js';
import { eventually } from '../helpers/eventually.js';

/** Connects, optionally half-closes at once, and returns what the server sent before closing. */
function greetingFrom(port: number, options: { host?: string; localAddressOut?: (port: number) => void; endAtOnce?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: options.host ?? '127.0.0.1', allowHalfOpen: true }, () => {
      options.localAddressOut?.(socket.localPort as number);
      if (options.endAtOnce) socket.end();
    });
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

async function withHello(options: Omit<HelloServerOptions, 'port' | 'host'> & { host?: string }, body: (port: number) => Promise<void>): Promise<void> {
  const hello = await startHelloServer({ host: '127.0.0.1', port: 0, ...options });
  try {
    await body(hello.address.port);
  } finally {
    await hello.close();
  }
}

describe('hello service', () => {
  it('sends the default greeting as one CRLF line and closes', async () => {
    await withHello({}, async (port) => {
      assert.equal(await greetingFrom(port), 'Hello from porta\r\n');
    });
  });

  it('fills in {ip} and {port} with the client address', async () => {
    await withHello({ message: 'You are {ip} port {port}' }, async (port) => {
      let localPort = 0;
      const text = await greetingFrom(port, { localAddressOut: (p) => (localPort = p) });
      assert.equal(text, `You are 127.0.0.1 port ${localPort}\r\n`);
    });
  });

  it('shows an IPv4 client of a dual-stack listener as a dotted quad', async () => {
    await withHello({ host: '::', message: '{ip}' }, async (port) => {
      assert.equal(await greetingFrom(port, { host: '127.0.0.1' }), '127.0.0.1\r\n');
      assert.equal(await greetingFrom(port, { host: '::1' }), '::1\r\n');
    });
  });

  it('fills in {host} from the reverse lookup, falling back to the address', async () => {
    const names = new Map([['127.0.0.1', 'loopback.example']]);
    await withHello({ message: 'Hi {host}', reverseLookup: async (ip) => names.get(ip) }, async (port) => {
      assert.equal(await greetingFrom(port), 'Hi loopback.example\r\n');
      names.clear();
      assert.equal(await greetingFrom(port), 'Hi 127.0.0.1\r\n');
    });
  });

  it('does not look names up when the message has no {host}', async () => {
    let lookups = 0;
    const reverseLookup = async (): Promise<string> => {
      lookups++;
      return 'x';
    };
    await withHello({ message: '{ip}', reverseLookup }, async (port) => {
      await greetingFrom(port);
      assert.equal(lookups, 0);
    });
  });

  it('never lets a slow lookup delay other clients', async () => {
    let calls = 0;
    let releaseSlow: (name: string) => void = () => undefined;
    const reverseLookup = (): Promise<string | undefined> => {
      calls++;
      // The first client's lookup hangs until released; later ones answer at once.
      if (calls === 1) return new Promise((resolve) => (releaseSlow = resolve));
      return Promise.resolve('fast.example');
    };
    await withHello({ message: '{host}', reverseLookup }, async (port) => {
      const slow = greetingFrom(port);
      await eventually(() => calls >= 1, 'the first client’s lookup to start');
      const started = Date.now();
      assert.equal(await greetingFrom(port), 'fast.example\r\n');
      assert.ok(Date.now() - started < 1000);
      releaseSlow('slow.example');
      assert.equal(await slow, 'slow.example\r\n');
    });
  });

  it('greets a client that half-closes before the greeting', async () => {
    await withHello({ reverseLookup: async () => new Promise((r) => setTimeout(() => r('late.example'), 50)), message: '{host}' }, async (port) => {
      assert.equal(await greetingFrom(port, { endAtOnce: true }), 'late.example\r\n');
    });
  });

  it('reports each connection once it has closed', async () => {
    const records: HelloConnectionRecord[] = [];
    await withHello({ message: 'hey', onConnection: (record) => records.push(record) }, async (port) => {
      await greetingFrom(port);
      await eventually(() => records.length > 0, 'the connection record', 500).catch(() => undefined);
    });
    assert.equal(records.length, 1);
    const [record] = records as [HelloConnectionRecord];
    assert.equal(record.ip, '127.0.0.1');
    assert.equal(record.bytesSent, 'hey\r\n'.length);
    assert.equal(record.error, undefined);
    assert.match(formatHelloLogLine(record), /^\d{4}-\d\d-\d\dT[\d:.]+Z 127\.0\.0\.1:\d+ sent 5 bytes in \d+ ms$/);
  });
});

describe('hello greeting helpers', () => {
  it('replaces placeholders in one pass', () => {
    const text = renderGreeting('{ip}:{port} {host} {other}', { ip: '192.0.2.1', port: 80, host: '{ip}' });
    assert.equal(text, '192.0.2.1:80 {ip} {other}');
  });

  it('knows when the reverse lookup is needed', () => {
    assert.equal(templateNeedsHost('Hi {host}'), true);
    assert.equal(templateNeedsHost('Hi {ip}'), false);
  });

  it('strips the IPv4-mapped prefix, and only that', () => {
    assert.equal(displayAddress('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(displayAddress('::FFFF:10.0.0.1'), '10.0.0.1');
    assert.equal(displayAddress('2001:db8::1'), '2001:db8::1');
    assert.equal(displayAddress('::ffff:abcd'), '::ffff:abcd');
  });

  it('brackets IPv6 endpoints', () => {
    assert.equal(formatEndpoint('::1', 7), '[::1]:7');
    assert.equal(formatEndpoint('127.0.0.1', 7), '127.0.0.1:7');
  });

  it('logs the name and an error when there is one', () => {
    const line = formatHelloLogLine({
      time: new Date('2025-01-02T03:04:05.678Z'),
      ip: '::1',
      port: 5000,
      hostname: 'localhost',
      bytesSent: 0,
      durationMs: 3,
      error: 'ECONNRESET',
    });
    assert.equal(line, '2025-01-02T03:04:05.678Z [::1]:5000 (localhost) sent 0 bytes in 3 ms error ECONNRESET');
  });
});

describe('reverse lookup with a deadline', () => {
  it('gives up on a DNS server that never answers, on time', async () => {
    // A UDP socket that swallows queries: the worst case, a silent name server.
    const blackhole = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => blackhole.bind(0, '127.0.0.1', resolve));
    const { port } = blackhole.address();
    const dns = createReverseLookup(200, [`127.0.0.1:${port}`]);
    try {
      const started = Date.now();
      assert.equal(await dns.lookup('192.0.2.1'), undefined);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 150 && elapsed < 1500, `took ${elapsed} ms`);
    } finally {
      dns.cancel();
      blackhole.close();
    }
  });
});
