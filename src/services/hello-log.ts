/** The one log line `porta hello` writes per connection. */
import { formatEndpoint } from './hello-greeting.js';
import type { HelloConnectionRecord } from './hello-server.js';

/**
 * `2025-01-02T03:04:05.678Z 127.0.0.1:51234 (localhost) sent 18 bytes in 2 ms`; a failed
 * connection ends with `error ECONNRESET` instead.
 */
export function formatHelloLogLine(record: HelloConnectionRecord): string {
  const who = formatEndpoint(record.ip, record.port) + (record.hostname ? ` (${record.hostname})` : '');
  const what = `sent ${record.bytesSent} bytes in ${record.durationMs} ms`;
  return `${record.time.toISOString()} ${who} ${what}${record.error ? ` error ${record.error}` : ''}`;
}
