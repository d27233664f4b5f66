/** The client as a dotted quad when it is IPv4 (never `::ffff:1.2.3.4`), else as given. */
export function formatHost(address: string): string {
  if (!address) return '-'; // a socket already closed reports no address
  if (address.length > 7 && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)) return address.slice(7);
  return address;
}
