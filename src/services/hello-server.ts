/**
 * `porta hello`: on each TCP connection, send one greeting line and close. Usable
 * in-process: `const hello = await startHelloServer({ host: '127.0.0.1', port: 0, message })`.
 */
import net from 'node:net';
import { closeTcp, listenTcp } from './echo-listen.js';
import { displayAddress, renderGreeting, templateNeedsHost } from './hello-greeting.js';
import { createReverseLookup, type ReverseLookup } from './hello-reverse-dns.js';

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

/** What happened on one connection, for the log. */
export interface HelloConnectionRecord {
  readonly time: Date;
  readonly ip: string;
  readonly port: number;
  /** The reverse-DNS name when the template asked for one and there was one. */
  readonly hostname: string | undefined;
  readonly bytesSent: number;
  readonly durationMs: number;
  /** Error code when the connection failed (e.g. ECONNRESET before the greeting). */
  readonly error: string | undefined;
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

  // allowHalfOpen: a client that sends nothing may well half-close at once (`nc < /dev/null`);
  // it still gets its greeting, so its FIN must not close our side first.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    const time = new Date();
    const ip = displayAddress(socket.remoteAddress ?? 'unknown');
    const port = socket.remotePort ?? 0;
    let hostname: string | undefined;
    let error: string | undefined;

    socket.on('error', (cause: NodeJS.ErrnoException) => {
      error = cause.code ?? cause.message;
    });
    // Whatever the client sends is read and dropped: closing a socket with unread input
    // makes the kernel send RST, which can destroy the greeting before the client reads it.
    socket.resume();
    socket.setTimeout(lingerMs, () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      options.onConnection?.({
        time,
        ip,
        port,
        hostname,
        bytesSent: socket.bytesWritten,
        durationMs: Date.now() - time.getTime(),
        error,
      });
    });

    // Each connection awaits its own lookup; nothing here blocks the accept loop.
    const greet = async (): Promise<void> => {
      if (needsHost) hostname = await reverseLookup(ip);
      if (socket.destroyed) return;
      socket.end(`${renderGreeting(template, { ip, port, host: hostname ?? ip })}\r\n`);
    };
    void greet();
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
