/**
 * The one composition of a listening porta: a request handler (usually a site, from
 * createSiteHandler) on a listener, with porta's defaults for what the caller does not say
 * (the limits of docs/protocol.md, the Server field) and every exchange written to an access
 * log. `porta serve`, `startServer()` and the tests' server all start through it.
 */
import type { RequestHandler } from '../http/handler.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../http/limits.js';
import type { LogFormat } from '../log/access-record.js';
import { logExchangesTo } from '../log/exchange-record.js';
import type { AccessLogSink } from '../log/sink.js';
import { startHttpServer, type RunningHttpServer } from '../net/http-server.js';
import type { TlsCredentials } from '../net/self-signed-certificate.js';
import type { Listen } from '../transport/transport.js';
import { SERVER_SOFTWARE } from '../version.js';

export interface SiteServerOptions {
  readonly host: string;
  readonly port: number;
  readonly handle: RequestHandler;
  /** Overrides of the default limits (timeouts in ms). */
  readonly limits?: Partial<HttpLimits>;
  readonly tls?: TlsCredentials | undefined;
  readonly maxConnections?: number | undefined;
  readonly accessLog: { readonly sink: AccessLogSink; readonly format: LogFormat };
  readonly onInternalError: (error: unknown) => void;
  /** The socket back-end (default: as net/http-server.ts chooses for the runtime). */
  readonly listen?: Listen;
}

export function startSiteServer(options: SiteServerOptions): Promise<RunningHttpServer> {
  return startHttpServer({
    host: options.host,
    port: options.port,
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.listen !== undefined ? { listen: options.listen } : {}),
    context: {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      serverField: SERVER_SOFTWARE,
      handle: options.handle,
      onExchange: logExchangesTo(options.accessLog.sink, options.accessLog.format),
      onInternalError: options.onInternalError,
    },
  });
}
