/**
 * Listening helpers shared by the echo and hello services: resolve the --host once (so TCP
 * and UDP end up on the same address) and turn net.Server's events into a promise.
 */
import { lookup } from 'node:dns/promises';
import net from 'node:net';

export interface BindAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** An IP literal as is; a name resolved once to its first address. */
export async function resolveBindAddress(host: string): Promise<BindAddress> {
  const literal = net.isIP(host);
  if (literal !== 0) return { address: host, family: literal === 6 ? 6 : 4 };
  const found = await lookup(host);
  return { address: found.address, family: found.family === 6 ? 6 : 4 };
}

/** Starts `server` listening; rejects with the listen error (EADDRINUSE, EACCES...). */
export function listenTcp(server: net.Server, address: string, port: number): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    // ipv6Only false: binding '::' also accepts IPv4 clients (as ::ffff:a.b.c.d).
    server.listen({ host: address, port, ipv6Only: false }, () => {
      server.off('error', onError);
      resolve(server.address() as net.AddressInfo);
    });
  });
}

/** Closes a listening server; resolves once the listening socket is gone. */
export function closeTcp(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
