/**
 * Port resolution: a number 0-65535 or a service name looked up in /etc/services
 * (`http` -> 80, `echo` -> 7), as getservbyname(3) would.
 */
import { readFileSync } from 'node:fs';

export type TransportProtocol = 'tcp' | 'udp';

let servicesCache: Map<string, number> | undefined;

function loadServices(): Map<string, number> {
  if (servicesCache) return servicesCache;
  const table = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync('/etc/services', 'utf8');
  } catch {
    // No services database: only numeric ports resolve.
  }
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const match = /^(\d+)\/(tcp|udp)$/.exec(portProto ?? '');
    if (!name || !match) continue;
    const port = Number(match[1]);
    for (const n of [name, ...aliases]) {
      const key = `${n}/${match[2]}`;
      if (!table.has(key)) table.set(key, port);
    }
  }
  servicesCache = table;
  return table;
}

/**
 * Resolves a port given as text. Throws an Error with a message fit for a user when the
 * text is neither a number in range nor a known service name.
 */
export function resolvePort(text: string, protocol: TransportProtocol = 'tcp'): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const port = Number(trimmed);
    if (port > 65535) throw new Error(`port ${trimmed} is out of range (0-65535)`);
    return port;
  }
  const port = loadServices().get(`${trimmed}/${protocol}`);
  if (port === undefined) throw new Error(`'${text}' is neither a port number nor a service name in /etc/services`);
  return port;
}
