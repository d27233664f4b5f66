/**
 * The greeting template of `porta hello`: `{ip}`, `{port}` and `{host}` stand for the
 * client's address, port and reverse-DNS name.
 */

export interface GreetingValues {
  readonly ip: string;
  readonly port: number;
  /** Reverse-DNS name, or the address when there is none. */
  readonly host: string;
}

const PLACEHOLDER = /\{(ip|port|host)\}/g;

/**
 * Fills in the placeholders in one pass, so braces inside a substituted value (a hostile
 * PTR record, say) are never expanded again.
 */
export function renderGreeting(template: string, values: GreetingValues): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    if (name === 'ip') return values.ip;
    if (name === 'port') return String(values.port);
    return values.host;
  });
}

/** Whether rendering needs the (slow, network-bound) reverse lookup at all. */
export function templateNeedsHost(template: string): boolean {
  return template.includes('{host}');
}

/**
 * How a client address is shown: an IPv4 client reaching a dual-stack ('::') listener
 * arrives as an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2, `::ffff:192.0.2.1`); people
 * know it as the dotted quad.
 */
export function displayAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}

/** `ip:port`, with brackets around IPv6 addresses (RFC 3986 §3.2.2). */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
