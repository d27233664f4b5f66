/**
 * An HTTP/1.1 server on a listener (node:net by default, see transport/transport.ts): gives
 * each accepted connection an HttpConnection, keeps the registry of open connections, and
 * shuts down gracefully (docs/serve.md: stop accepting, finish
 * requests in flight within a bounded wait, close idle connections).
 */
import { ByteBudget } from '../http/byte-budget.js';
import { HttpConnection, type ConnectionContext } from '../http/connection.js';
import { DeadlineSweeper } from '../http/deadline-sweeper.js';
import { InFlightExchanges } from '../http/in-flight.js';
import type { Listen, Listener, ListenerAddress } from '../transport/transport.js';
import { bunRuntime, listenBun } from './bun-listener.js';
import { listenNode } from './node-listener.js';
import { isWorkerProcess } from './worker-pool.js';
import type { TlsCredentials } from './self-signed-certificate.js';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly context: Omit<ConnectionContext, 'sweeper' | 'budget'>;
  /** Most connections open at once; more are closed as soon as they are accepted. */
  readonly maxConnections?: number;
  /** HTTPS: every accepted connection is wrapped in TLS with these. */
  readonly tls?: TlsCredentials;
  /** The socket back-end (default: node:net and node:tls). */
  readonly listen?: Listen;
}

export interface RunningHttpServer {
  readonly address: ListenerAddress;
  readonly openConnections: () => number;
  /** Replaces the certificate for connections accepted from now on (a reload); throws if unusable. */
  setTlsCredentials(credentials: TlsCredentials): void;
  /** Stops accepting, lets in-flight responses finish (at most graceMs), then closes the rest. */
  shutdown(graceMs: number): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const connections = new Set<HttpConnection>();
  const inFlight = new InFlightExchanges();
  const context: ConnectionContext = {
    ...options.context,
    sweeper: new DeadlineSweeper(),
    budget: new ByteBudget(options.context.limits.maxBufferedBytes),
    inFlight,
  };
  const listen = options.listen ?? defaultListen(options.tls !== undefined);
  const listener = await listen(
    {
      host: options.host,
      port: options.port,
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      // A connection still in its TLS handshake holds a slot until the header timeout frees it.
      handshakeTimeoutMs: options.context.limits.headerTimeoutMs,
      onError: (error) => options.context.onInternalError(error),
    },
    (transport) => {
      const connection = new HttpConnection(transport, context, (closed) => connections.delete(closed));
      connections.add(connection);
    },
  );
  return {
    address: listener.address,
    openConnections: () => connections.size,
    setTlsCredentials: (credentials) => listener.setTlsCredentials(credentials),
    shutdown: (graceMs) => {
      listener.abortHandshakes();
      return shutdownServer(listener, connections, inFlight, graceMs);
    },
  };
}

/** How long a stop waits, after the connections are gone, for answers still being prepared to be logged. */
const LOG_SETTLE_MS = 2000;

async function shutdownServer(listener: Listener, connections: Set<HttpConnection>, inFlight: InFlightExchanges, graceMs: number): Promise<void> {
  const closed = listener.close();
  for (const connection of connections) connection.shutdown();
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
  await Promise.race([closed, deadline]);
  for (const connection of connections) connection.destroy();
  await closed;
  // A request cut off by the stop still gets its log line (with the bytes that went out);
  // a handler still preparing an answer gets a moment to finish it.
  let timer: NodeJS.Timeout | undefined;
  const settleTimer = new Promise<void>((resolve) => (timer = setTimeout(resolve, LOG_SETTLE_MS)));
  await Promise.race([inFlight.settled(), settleTimer]);
  clearTimeout(timer);
}

/**
 * The socket back-end when none is given: Bun's native sockets for a cleartext port when
 * porta runs on Bun, node:net (and node:tls) otherwise. Worker processes (--workers) take
 * node:net on Bun too: node:cluster hands them the primary's one listening socket, which a
 * native listener cannot share. PORTA_SOCKETS=node picks node:net on Bun (to compare).
 */
export function defaultListen(tls: boolean): Listen {
  if (!tls && bunRuntime() !== undefined && process.env.PORTA_SOCKETS !== 'node' && !isWorkerProcess()) return listenBun;
  return listenNode;
}
