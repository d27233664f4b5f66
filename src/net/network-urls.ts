/** The URLs a listener can be reached at, for the start-up banner (docs/serve.md). */
import { networkInterfaces } from 'node:os';

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

export interface ReachableUrls {
  readonly local: string;
  readonly network: string[];
}

export function reachableUrls(boundHost: string, port: number, scheme = 'http'): ReachableUrls {
  const wildcard = boundHost === '0.0.0.0' || boundHost === '::' || boundHost === '';
  const loopbackV6 = boundHost === '::1';
  const local = `${scheme}://${wildcard ? 'localhost' : loopbackV6 ? '[::1]' : formatHost(boundHost)}:${port}/`;
  const network: string[] = [];
  if (wildcard) {
    const includeV6 = boundHost === '::';
    for (const addresses of Object.values(networkInterfaces())) {
      for (const info of addresses ?? []) {
        if (info.internal) continue;
        if (info.family === 'IPv6' && (!includeV6 || info.address.startsWith('fe80'))) continue;
        network.push(`${scheme}://${formatHost(info.address)}:${port}/`);
      }
    }
  }
  return { local, network };
}
