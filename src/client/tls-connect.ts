/**
 * Opening a TLS connection for `porta get https://...`: SNI with the host name, ALPN
 * offering http/1.1 only (RFC 7301; this client speaks nothing else), and the server's
 * certificate checked against the system's trusted authorities and the host name
 * (RFC 9110 §4.3.4) unless -k. Every failure is one sentence, its kind telling a certificate
 * that could not be verified (curl's exit 60) from a handshake that failed (curl's 35).
 */
import net from 'node:net';
import tls from 'node:tls';
import { ClientFailure } from './client-failure.js';
import { describeConnectError, formatHost, formatSeconds } from './connect.js';

export interface TlsConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** -k: accept any certificate (the connection is encrypted but the peer is unverified). */
  readonly insecure: boolean;
}

/** Resolves once the handshake is done and the certificate accepted; rejects with a ClientFailure. */
export function connectTls(options: TlsConnectOptions): Promise<tls.TLSSocket> {
  const { host, port, timeoutMs, insecure } = options;
  const where = `${formatHost(host)} port ${port}`;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      // RFC 6066 §3: SNI carries a DNS name only, never an address literal.
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ALPNProtocols: ['http/1.1'],
      // The check is made below, after the handshake, so that every way a certificate
      // can fail is reported the same way (and as a certificate problem).
      rejectUnauthorized: false,
    });
    socket.setNoDelay(true);
    let handshakeDone = false;
    const fail = (failure: ClientFailure): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(failure);
    };
    const timer = setTimeout(() => fail(new ClientFailure(`timed out after ${formatSeconds(timeoutMs)} connecting to ${where} (TLS)`)), timeoutMs);
    const onError = (error: Error): void => {
      if (handshakeDone) return;
      fail(describeTlsError(error, host, port));
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      handshakeDone = true;
      if (!insecure && !socket.authorized) {
        const reason = describeCertificateProblem(String(socket.authorizationError), host);
        return fail(new ClientFailure(`the certificate of ${where} cannot be trusted: ${reason} (-k/--insecure skips this check)`, 'certificate'));
      }
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** One line for the TLS session, for -v. */
export function describeSession(socket: tls.TLSSocket): string {
  const alpn = typeof socket.alpnProtocol === 'string' ? `, ALPN ${socket.alpnProtocol}` : '';
  const check = socket.authorized ? 'certificate verified' : 'certificate NOT verified (-k)';
  return `${socket.getProtocol() ?? 'TLS'}${alpn}, ${check}`;
}

/** The OpenSSL verification result (or Node's host-name check) in words. */
function describeCertificateProblem(code: string, host: string): string {
  switch (code) {
    // One wording for both: Node (OpenSSL) says DEPTH_ZERO_SELF_SIGNED_CERT for a self-signed
    // certificate, Bun (BoringSSL) UNABLE_TO_VERIFY_LEAF_SIGNATURE.
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return 'no authority trusted here signed it (it may be self-signed)';
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'its chain ends in a self-signed certificate that is not trusted here';
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'it is not signed by an authority trusted here';
    case 'CERT_HAS_EXPIRED':
      return 'it has expired';
    case 'CERT_NOT_YET_VALID':
      return 'it is not valid yet';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `it is not issued for ${host}`;
    default:
      return code;
  }
}

/** A failure before the handshake completed: the network's words, or the handshake's. */
function describeTlsError(error: NodeJS.ErrnoException, host: string, port: number): ClientFailure {
  const code = error.code ?? '';
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || /SSL|TLS/i.test(error.message.split('\n')[0] ?? '')) {
    const where = `${formatHost(host)} port ${port}`;
    const hint = /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/i.test(code) ? ' (is it an https server? try http://)' : '';
    return new ClientFailure(`TLS handshake with ${where} failed: ${handshakeReason(error)}${hint}`, 'tls');
  }
  // A connection closed during the handshake is most often a server that does not speak TLS.
  if (code === 'ECONNRESET') {
    return new ClientFailure(`TLS handshake with ${formatHost(host)} port ${port} failed: the connection was reset`, 'tls');
  }
  return new ClientFailure(describeConnectError(error, host, port));
}

/** OpenSSL's reason ("wrong version number") without its file and line. */
function handshakeReason(error: Error): string {
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === 'string' && reason !== '') return reason;
  return error.message.split('\n')[0] ?? error.message;
}
