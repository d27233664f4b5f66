/**
 * The programmatic form of `porta serve`: a web server for a folder, started in-process.
 *
 *   import { startServer } from 'porta-server';
 *   const server = await startServer({ root: 'public', port: 0 });
 *   console.log(server.url);      // http://127.0.0.1:40123/
 *   await server.close();         // finishes requests in flight, flushes the log
 *
 * It wires the same pieces as the command (site handler -> access log -> HTTP listener) with
 * the command's defaults; options are plain values, already valid (no argv parsing here).
 */
import { realpath } from 'node:fs/promises';
import type { LogFormat } from '../log/access-record.js';
import { openAccessLog, type AccessLogSink } from '../log/sink.js';
import { makeSiteConfig } from '../site/config.js';
import { parseRedirectRules } from '../site/redirects.js';
import { createSiteHandler } from '../site/site.js';
import { startSiteServer } from './site-server.js';
import type { HttpLimits } from '../http/limits.js';

export interface ServerOptions {
  /** The folder to serve. */
  readonly root: string;
  /** Address to bind (default 127.0.0.1: in-process servers are usually for this machine). */
  readonly host?: string;
  /** Port (default 8080); 0 picks a free one, see `port` on the result. */
  readonly port?: number;
  /** Default documents for a directory, tried in order (default ['index.html']). */
  readonly index?: readonly string[];
  /** Redirect rules in the `--redirects` file format, as text. */
  readonly redirects?: string;
  /**
   * Where access-log lines go: '-' standard output, a file name, 'off' (the default here), or
   * a function called with each line (without its newline).
   */
  readonly accessLog?: string | ((line: string) => void);
  readonly logFormat?: LogFormat;
  /** Dotfiles: 'deny' (default: 404 and unlisted, /.well-known/ excepted) or 'allow'. */
  readonly dotfiles?: 'deny' | 'allow';
  /** The TRACE method (default on). */
  readonly trace?: boolean;
  /** Charset added to text, JavaScript and JSON types (default 'utf-8'; null for none). */
  readonly defaultCharset?: string | null;
  /** Name of the per-directory auth control file (default `WeMustProtectThisHouse!`). */
  readonly authFile?: string;
  /** Compress text, JavaScript, JSON... for clients that accept gzip or brotli (default true). */
  readonly compress?: boolean;
  /** HTTPS with this PEM certificate (chain) and private key, as `--tls-cert/--tls-key`. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Path of the health resource, as `--health` (e.g. '/.well-known/health'); off by default. */
  readonly health?: string;
  /** Limits and time-outs in bytes and milliseconds (defaults as `porta serve`). */
  readonly limits?: Partial<HttpLimits>;
  /** Causes of 500 answers and other internal errors (default: written to standard error). */
  readonly onError?: (error: unknown) => void;
}

export interface RunningServer {
  /** The port listened on (the one chosen when `port` was 0). */
  readonly port: number;
  /** `http://host:port/` (`https://` with `tls`), with a loopback name for a wildcard host. */
  readonly url: string;
  /** Connections open now. */
  openConnections(): number;
  /** Stops accepting, lets requests in flight finish (at most graceMs, default 5000), flushes the log. */
  close(graceMs?: number): Promise<void>;
}

/** A sink that hands each line to a function (the log sink interface wants whole lines). */
function callbackSink(deliver: (line: string) => void): AccessLogSink {
  return {
    write: (line) => deliver(line.endsWith('\n') ? line.slice(0, -1) : line),
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
    snapshot: () => Promise.resolve(Buffer.alloc(0)),
  };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const root = await realpath(options.root);
  const reportError = options.onError ?? ((error: unknown) => process.stderr.write(`porta: error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`));
  const accessLog = options.accessLog ?? 'off';
  const sink = typeof accessLog === 'function' ? callbackSink(accessLog) : await openAccessLog(accessLog);
  const logFormat = options.logFormat ?? 'common';
  const handle = createSiteHandler(
    makeSiteConfig({
      root,
      reportError,
      indexNames: options.index,
      redirects: options.redirects === undefined ? undefined : parseRedirectRules(options.redirects, 'redirects'),
      authFileName: options.authFile,
      dotfiles: options.dotfiles,
      trace: options.trace,
      compression: options.compress === false ? [] : undefined,
      defaultCharset: options.defaultCharset,
      healthPath: options.health,
    }),
  );
  const host = options.host ?? '127.0.0.1';
  let server;
  try {
    server = await startSiteServer({
      host,
      port: options.port ?? 8080,
      handle,
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      tls: options.tls,
      accessLog: { sink, format: logFormat },
      onInternalError: reportError,
    });
  } catch (error) {
    await sink.close();
    throw error;
  }
  const port = server.address.port;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const running = server;
  return {
    port,
    url: `${options.tls === undefined ? 'http' : 'https'}://${shown}:${port}/`,
    openConnections: () => running.openConnections(),
    async close(graceMs = 5000) {
      await running.shutdown(graceMs);
      await sink.close();
    },
  };
}
