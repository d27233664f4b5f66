/**
 * The listener on `node:net` (and `node:tls` over it): binds the port, wraps each accepted
 * socket, after its TLS handshake when there is one, in a NodeStreamTransport, and hands it
 * to the protocol. Nagle is off from accept on (noDelay), and connections are half-open
 * capable (allowHalfOpen): a client that half-closes after sending its requests still gets
 * the answers.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { NodeStreamTransport } from '../transport/node-stream-transport.js';
import type { Listen, Listener } from '../transport/transport.js';
import { makeSecureContext, startTlsHandshake } from './tls-wrap.js';

export const listenNode: Listen = (options, onConnection) => {
  let secureContext: SecureContext | undefined = options.tls === undefined ? undefined : makeSecureContext(options.tls);
  /** TCP sockets whose TLS handshake is still going. */
  const handshaking = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (secureContext === undefined) return onConnection(new NodeStreamTransport(socket));
    handshaking.add(socket);
    socket.once('close', () => handshaking.delete(socket));
    startTlsHandshake(socket, secureContext, options.handshakeTimeoutMs, (secure) => {
      handshaking.delete(socket);
      onConnection(new NodeStreamTransport(secure));
    });
  });
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  return new Promise<Listener>((resolve, reject) => {
    const onListenError = (error: Error): void => reject(error);
    server.once('error', onListenError);
    server.listen({ host: options.host, port: options.port, backlog: 2048 }, () => {
      server.off('error', onListenError);
      // Later errors (EMFILE on accept...) must not take the process down; the listener keeps going.
      server.on('error', options.onError);
      resolve({
        address: server.address() as AddressInfo,
        setTlsCredentials(credentials) {
          if (secureContext === undefined) throw new Error('this listener does not speak TLS');
          secureContext = makeSecureContext(credentials);
        },
        abortHandshakes() {
          for (const socket of handshaking) socket.destroy();
        },
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
};
