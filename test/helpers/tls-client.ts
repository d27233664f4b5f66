/**
 * TLS for the raw test client: connects to 127.0.0.1 with node:tls, verifying the server's
 * certificate against the test's own (as a browser would against a trusted one), and hands
 * back a RawConnection that speaks raw bytes over it.
 */
import { connect, type TLSSocket } from 'node:tls';
import { DEFAULT_TIMEOUT_MS, RawConnection, type ExchangeResult, type ParsedResponse } from './raw-client.js';

export interface TlsClientOptions {
  /** The certificate to trust (PEM). */
  readonly ca: string;
  /** Server name sent (SNI) and checked against the certificate; default localhost. */
  readonly servername?: string;
  /** ALPN protocols to offer; default ['http/1.1']. */
  readonly alpn?: readonly string[];
  readonly timeoutMs?: number;
  /** Accept any certificate (one made at the server's start); check its fingerprint instead. */
  readonly trustAny?: boolean;
}

/** Resolves with the TLS socket once the handshake is done and the certificate checked. */
export function connectTls(port: number, options: TlsClientOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ...(options.trustAny === true ? { rejectUnauthorized: false } : { ca: options.ca }),
      servername: options.servername ?? 'localhost',
      ALPNProtocols: [...(options.alpn ?? ['http/1.1'])],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TLS handshake with port ${port} did not finish within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
  });
}

export async function openTlsConnection(port: number, options: TlsClientOptions): Promise<{ connection: RawConnection; socket: TLSSocket }> {
  const socket = await connectTls(port, options);
  return { connection: RawConnection.over(socket), socket };
}

/** Like rawExchange over TLS: writes `bytes`, waits for `responses` answers, closes. */
export async function tlsExchange(port: number, bytes: string, responses: number, options: TlsClientOptions & { methods?: readonly string[] }): Promise<ExchangeResult & { socket: TLSSocket }> {
  const { connection, socket } = await openTlsConnection(port, options);
  try {
    connection.write(bytes);
    await connection.waitForResponses(responses, { methods: options.methods, timeoutMs: options.timeoutMs });
    return { responses: connection.responses(options.methods), data: connection.data, closed: connection.ended, socket };
  } finally {
    connection.destroy();
  }
}

export async function tlsFetchOne(port: number, bytes: string, options: TlsClientOptions): Promise<ParsedResponse> {
  const { responses } = await tlsExchange(port, bytes, 1, { ...options, methods: [bytes.slice(0, bytes.indexOf(' '))] });
  return responses[0] as ParsedResponse;
}
