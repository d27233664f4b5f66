/**
 * The listener on Bun's native sockets (`Bun.listen`): each accepted connection becomes a
 * BunSocketTransport (src/transport/bun-socket-transport.ts). Connections are half-open
 * capable, as on Node: a client that half-closes after sending its requests still gets the
 * answers. TLS is left to the node:tls listener (net/node-listener.ts), whose certificate
 * can be replaced on a reload; this one serves cleartext ports.
 */
import { BunSocketTransport, type BunSocket } from '../transport/bun-socket-transport.js';
import type { Listen, Listener } from '../transport/transport.js';

interface BunListener {
  readonly hostname: string;
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}

interface BunSocketHandlers {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Buffer): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  error(socket: BunSocket, error: Error): void;
  close(socket: BunSocket): void;
}

interface BunRuntime {
  listen(options: { hostname: string; port: number; allowHalfOpen: boolean; socket: BunSocketHandlers }): BunListener;
}

/** Bun's global, when porta runs on Bun. */
export function bunRuntime(): BunRuntime | undefined {
  return (globalThis as { Bun?: BunRuntime }).Bun;
}

export const listenBun: Listen = (options, onConnection) => {
  const bun = bunRuntime();
  if (bun === undefined) return Promise.reject(new Error('Bun.listen is only there when porta runs on Bun'));
  if (options.tls !== undefined) return Promise.reject(new Error('the Bun listener serves cleartext ports only'));
  const open = new Set<BunSocketTransport>();
  let drained: (() => void) | undefined;
  const maxConnections = options.maxConnections ?? Infinity;
  const handlers: BunSocketHandlers = {
    open(socket) {
      if (open.size >= maxConnections) {
        socket.terminate();
        return;
      }
      const transport = new BunSocketTransport(socket);
      open.add(transport);
      onConnection(transport);
    },
    data: (socket, chunk) => socket.data?.receive(chunk),
    drain: (socket) => socket.data?.drained(),
    end: (socket) => socket.data?.peerEnded(),
    error: (socket, error) => socket.data?.failed(error),
    close(socket) {
      const transport = socket.data;
      if (transport === undefined) return;
      socket.data = undefined;
      transport.closed();
      open.delete(transport);
      if (open.size === 0) drained?.();
    },
  };
  let server: BunListener;
  try {
    server = bun.listen({ hostname: options.host, port: options.port, allowHalfOpen: true, socket: handlers });
  } catch (error) {
    return Promise.reject(listenFailure(error, options.host, options.port));
  }
  const listener: Listener = {
    address: { address: server.hostname, family: server.hostname.includes(':') ? 'IPv6' : 'IPv4', port: server.port },
    setTlsCredentials() {
      throw new Error('this listener does not speak TLS');
    },
    abortHandshakes() {},
    close() {
      server.stop(false);
      if (open.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drained = resolve;
      });
    },
  };
  return Promise.resolve(listener);
};

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available',
};

/** Bun says "Failed to listen at HOST" with the code aside; as Node words it, the code comes first. */
function listenFailure(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return error instanceof Error ? error : new Error(String(error));
  const failure = new Error(`listen ${code}: ${DESCRIPTIONS[code] ?? 'cannot listen'} ${host}:${port}`) as NodeJS.ErrnoException;
  failure.code = code;
  failure.syscall = 'listen';
  return failure;
}
