/**
 * The TCP listener for HTTP: accepts sockets, gives each an HttpConnection, keeps the
 * registry of open connections, and shuts down gracefully (docs/serve.md: stop accepting, finish
 * requests in flight within a bounded wait, close idle connections).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { ByteBudget } from '../http/byte-budget.js';
import { HttpConnection, type ConnectionContext } from '../http/connection.js';
import { DeadlineSweeper } from '../http/deadline-sweeper.js';
import { InFlightExchanges } from '../http/in-flight.js';
import type { TlsCredentials } from './self-signed-certificate.js';
import { makeSecureContext, startTlsHandshake } from './tls-wrap.js';
import { NodeStreamTransport, type NodeStream } from '../transport/node-stream-transport.js';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly context: Omit<ConnectionContext, 'sweeper' | 'budget'>;
  /** Most connections open at once; more are closed as soon as they are accepted. */
  readonly maxConnections?: number;
  /** HTTPS: every accepted socket is wrapped in TLS with these (see tls-wrap.ts). */
  readonly tls?: TlsCredentials;
}

export interface RunningHttpServer {
  readonly address: AddressInfo;
  readonly openConnections: () => number;
  /** Replaces the certificate for connections accepted from now on (a reload); throws if unusable. */
  setTlsCredentials(credentials: TlsCredentials): void;
  /** Stops accepting, lets in-flight responses finish (at most graceMs), then closes the rest. */
  shutdown(graceMs: number): Promise<void>;
}

export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const connections = new Set<HttpConnection>();
  const inFlight = new InFlightExchanges();
  const context: ConnectionContext = {
    ...options.context,
    sweeper: new DeadlineSweeper(),
    budget: new ByteBudget(options.context.limits.maxBufferedBytes),
    inFlight,
  };
  const serve = (socket: NodeStream): void => {
    const connection = new HttpConnection(new NodeStreamTransport(socket), context, (closed) => connections.delete(closed));
    connections.add(connection);
  };
  let secureContext: SecureContext | undefined = options.tls === undefined ? undefined : makeSecureContext(options.tls);
  /** TCP sockets whose TLS handshake is still going: a stop closes them at once. */
  const handshaking = new Set<Socket>();
  // allowHalfOpen: a client that half-closes after sending its requests still gets the answers.
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (secureContext === undefined) return serve(socket);
    handshaking.add(socket);
    socket.once('close', () => handshaking.delete(socket));
    startTlsHandshake(socket, secureContext, options.context.limits.headerTimeoutMs, (secure) => {
      handshaking.delete(socket);
      serve(secure);
    });
  });
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  return new Promise((resolve, reject) => {
    const onListenError = (error: Error): void => reject(error);
    server.once('error', onListenError);
    server.listen({ host: options.host, port: options.port, backlog: 2048 }, () => {
      server.off('error', onListenError);
      // Later errors (EMFILE on accept...) must not take the process down; the listener keeps going.
      server.on('error', (error) => options.context.onInternalError(error));
      resolve({
        address: server.address() as AddressInfo,
        openConnections: () => connections.size,
        setTlsCredentials: (credentials) => {
          if (secureContext === undefined) throw new Error('this listener does not speak TLS');
          secureContext = makeSecureContext(credentials);
        },
        shutdown: (graceMs) => {
          for (const socket of handshaking) socket.destroy();
          return shutdownServer(server, connections, inFlight, graceMs);
        },
      });
    });
  });
}

/** How long a stop waits, after the connections are gone, for answers still being prepared to be logged. */
const LOG_SETTLE_MS = 2000;

async function shutdownServer(server: Server, connections: Set<HttpConnection>, inFlight: InFlightExchanges, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
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
