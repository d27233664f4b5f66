/**
 * Opening a TCP connection for `porta nc` and `porta get`: a connect time-out, and errors
 * turned into one sentence a person can act on.
 */
import net from 'node:net';
import { ClientFailure } from './client-failure.js';

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Give up when the connection is not established within this time. */
  readonly timeoutMs: number;
  /** Keep our sending side open after the server's FIN (default false). */
  readonly allowHalfOpen?: boolean;
}

/** Resolves with the connected socket, or rejects with a ClientFailure. */
export function connectTcp(options: ConnectOptions): Promise<net.Socket> {
  const { host, port, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: options.allowHalfOpen ?? false, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ClientFailure(`timed out after ${formatSeconds(timeoutMs)} connecting to ${formatHost(host)} port ${port}`));
    }, timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(new ClientFailure(describeConnectError(error, host, port)));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** One sentence for a failed connect (or a failure on an established connection). */
export function describeConnectError(error: unknown, host: string, port: number): string {
  const where = `${formatHost(host)} port ${port}`;
  switch (errorCode(error)) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return `unknown host '${host}'`;
    case 'EAI_AGAIN':
      return `cannot resolve host '${host}' (temporary DNS failure)`;
    case 'ECONNREFUSED':
      return `connection refused by ${where} (nothing is listening there)`;
    case 'ETIMEDOUT':
      return `timed out connecting to ${where}`;
    case 'EHOSTUNREACH':
      return `cannot reach ${where}: no route to host`;
    case 'ENETUNREACH':
      return `cannot reach ${where}: network is unreachable`;
    case 'ECONNRESET':
      return `connection reset by ${where}`;
    case 'EPIPE':
      return `connection to ${where} closed while sending`;
    case 'EADDRNOTAVAIL':
      return `cannot connect to ${where}: address not available`;
    default:
      return `cannot connect to ${where}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The errno code of an error. With several addresses for a name, Node tries them in turn
 * and reports an AggregateError; the first attempt's reason speaks for all.
 */
function errorCode(error: unknown): string | undefined {
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** IPv6 literals in brackets, so `::1 port 80` never reads as part of the address. */
export function formatHost(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
