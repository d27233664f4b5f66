/**
 * HTTPS on the same engine: a TCP socket accepted by the listener is wrapped in a server
 * TLSSocket, and once the handshake is done the HTTP connection runs on it exactly as on
 * plain TCP (the parser, the connection and the site do not know the difference).
 *
 * The handshake has a deadline (the header timeout): a client that connects and never
 * completes it is closed, and until then it holds one of the listener's connection slots,
 * like any other connection.
 */
import type { Socket } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';
import { lazyBuiltin } from '../lazy-builtin.js';
import type { TlsCredentials } from './self-signed-certificate.js';

/** Loaded when a listener speaks TLS, not by every server. */
const tls = lazyBuiltin<typeof import('node:tls')>('node:tls');
const crypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');

/** ALPN (RFC 7301): porta speaks HTTP/1.1 only; a client offering only h2 is refused in the handshake. */
const ALPN_PROTOCOLS = ['http/1.1'];

/**
 * Throws node's error when the PEM texts are not a usable certificate and matching key.
 *
 * TLS 1.2 renegotiation started by the client is refused outright (TLS 1.3 has none): each
 * one costs the server a full handshake, so a client repeating it on one connection spends
 * our CPU for free (CVE-2011-1473), and HTTP/1.1 never needs it. nginx and Apache refuse it
 * too.
 */
export function makeSecureContext(credentials: TlsCredentials): SecureContext {
  return tls().createSecureContext({ cert: credentials.cert, key: credentials.key, secureOptions: crypto().constants.SSL_OP_NO_RENEGOTIATION });
}

/**
 * Starts the server side of a TLS handshake on `raw`; `onSecure` gets the TLS socket once
 * it is done. A failed or too slow handshake destroys the socket (nothing is logged: it is
 * what scanners and impatient clients do all day).
 */
export function startTlsHandshake(raw: Socket, secureContext: SecureContext, deadlineMs: number, onSecure: (socket: TLSSocket) => void): TLSSocket {
  const socket = new (tls().TLSSocket)(raw, { isServer: true, secureContext, ALPNProtocols: ALPN_PROTOCOLS });
  const timer = setTimeout(() => socket.destroy(), deadlineMs);
  const fail = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  socket.on('error', fail);
  // The TCP socket's own errors end the handshake too.
  raw.on('error', fail);
  socket.once('close', () => clearTimeout(timer));
  socket.once('secure', () => {
    clearTimeout(timer);
    socket.off('error', fail);
    onSecure(socket);
  });
  return socket;
}
