/**
 * `porta hello`: on each TCP connection, send one greeting line and close. Usable
 * in-process: `const hello = await startHelloServer({ host: '127.0.0.1', port: 0, message })`.
 */
import net from 'node:net';
import { closeTcp, listenTcp } from './echo-listen.js';
import { NodeStreamTransport } from '../transport/node-stream-transport.js';
import { serveHelloConnection, type HelloConnectionRecord } from './hello-connection.js';
import { templateNeedsHost } from './hello-greeting.js';
import { createReverseLookup, type ReverseLookup } from './hello-reverse-dns.js';

export type { HelloConnectionRecord } from './hello-connection.js';

export const DEFAULT_GREETING = 'Hello from porta';

export interface HelloServerOptions {
  readonly host: string;
  readonly port: number;
  /** Greeting template; `{ip}`, `{port}`, `{host}` are filled in per client. */
  readonly message?: string;
  /** Deadline for the `{host}` reverse lookup (default 1000 ms). */
  readonly lookupTimeoutMs?: number;
  /** Replaces the DNS reverse lookup (tests, or a custom name source). */
  readonly reverseLookup?: ReverseLookup;
  /** How long a greeted client may keep the connection open (default 10 s). */
  readonly lingerMs?: number;
  /** Called once per connection, after it closed. */
  readonly onConnection?: (record: HelloConnectionRecord) => void;
}

export interface HelloServer {
  readonly address: net.AddressInfo;
  close(): Promise<void>;
}

export async function startHelloServer(options: HelloServerOptions): Promise<HelloServer> {
  const template = options.message ?? DEFAULT_GREETING;
  const needsHost = templateNeedsHost(template);
  const dns = createReverseLookup(options.lookupTimeoutMs ?? 1000);
  const reverseLookup = options.reverseLookup ?? dns.lookup;
  const lingerMs = options.lingerMs ?? 10_000;
  const sockets = new Set<net.Socket>();
  const onClose = (record: HelloConnectionRecord): void => options.onConnection?.(record);

  // allowHalfOpen: a client that sends nothing may well half-close at once (`nc < /dev/null`);
  // it still gets its greeting, so its FIN must not close our side first.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveHelloConnection(new NodeStreamTransport(socket), { template, reverseLookup: needsHost ? reverseLookup : undefined, lingerMs, onClose });
  });

  try {
    await listenTcp(server, options.host, options.port);
  } catch (error) {
    dns.cancel();
    throw error;
  }

  return {
    address: server.address() as net.AddressInfo,
    async close(): Promise<void> {
      const closing = closeTcp(server);
      dns.cancel();
      for (const socket of sockets) socket.destroy();
      await closing;
    },
  };
}
