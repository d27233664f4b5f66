/**
 * Starts porta in-process on 127.0.0.1, port 0, wired the way `porta serve` wires it
 * (src/cli/commands/serve.ts): site handler -> access log -> HTTP listener. Also builds
 * throw-away document roots (files, directories, symbolic links, mtimes).
 */
import { mkdir, mkdtemp, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HttpLimits } from '../../src/http/limits.js';
import type { LogFormat } from '../../src/log/access-record.js';
import { openAccessLog, type AccessLogSink } from '../../src/log/sink.js';
import type { RunningHttpServer } from '../../src/net/http-server.js';
import type { TlsCredentials } from '../../src/net/self-signed-certificate.js';
import { DEFAULT_CGI_SETTINGS } from '../../src/site/handlers/cgi.js';
import type { CompressionBudget } from '../../src/site/compression/compression-budget.js';
import { makeSiteConfig } from '../../src/site/config.js';
import { parseRedirectRules } from '../../src/site/redirects.js';
import type { PathFields } from '../../src/site/response-fields.js';
import { createSiteHandler } from '../../src/site/site.js';
import { startSiteServer } from '../../src/api/site-server.js';

export interface StartPortaOptions {
  /** Document root (made absolute and symlink-free here). */
  readonly root: string;
  /** Overrides of the default limits (timeouts in ms). */
  readonly limits?: Partial<HttpLimits>;
  /** Text of a redirect rules file. */
  readonly redirects?: string;
  readonly trace?: boolean;
  readonly indexNames?: readonly string[];
  readonly authFileName?: string;
  /** Key for Digest nonces (as --secret); random when absent. */
  readonly secret?: string;
  /** Default 'deny', as the CLI. */
  readonly dotfiles?: 'deny' | 'allow';
  readonly cgi?: boolean;
  /** Content codings offered (default as the CLI: br, gzip). */
  readonly compression?: readonly ('br' | 'gzip')[];
  readonly cors?: boolean;
  readonly cleanUrls?: boolean;
  /** Root-relative path of the single-page app's file, e.g. '/index.html'. */
  readonly spa?: string;
  readonly addedFields?: readonly PathFields[];
  /** CGI suffix and time limit (defaults: '.cgi', 30 s). */
  readonly cgiExtension?: string;
  readonly cgiTimeoutMs?: number;
  /** Most CGI programs running at once (--cgi-max; default 16 per CPU core). */
  readonly cgiMax?: number;
  readonly logFormat?: LogFormat;
  /** Serve the log at /.well-known/access.log. */
  readonly exposeAccessLog?: boolean;
  /** Write the log to this file (as --access-log FILE); otherwise it is kept in memory. */
  readonly accessLogFile?: string;
  /** HTTPS with this certificate and key (PEM). */
  readonly tls?: TlsCredentials;
  /** Path of the health resource (--health). */
  readonly healthPath?: string;
  /** Most connections open at once (--max-connections). */
  readonly maxConnections?: number;
  /** Format each access-log line but keep none (long fuzz runs); logLines stays empty. */
  readonly discardLog?: boolean;
  /** Content negotiation (default on, as the CLI). */
  readonly multiviews?: boolean;
  /** Compression's budget for this server (default: the process's own). */
  readonly compressionBudget?: CompressionBudget;
}

export interface PortaServer {
  readonly port: number;
  readonly root: string;
  /** Access-log lines written so far, without their '\n'. */
  readonly logLines: readonly string[];
  /** Errors the server reported through onInternalError. */
  readonly internalErrors: readonly unknown[];
  /** Resolves once at least `count` log lines exist; rejects after timeoutMs. */
  waitForLog(count: number, timeoutMs?: number): Promise<string[]>;
  openConnections(): number;
  /** The listener itself (e.g. to replace its certificate). */
  readonly listener: RunningHttpServer;
  /** Stops the listener, closes every connection and the log. */
  close(): Promise<void>;
}

/** An in-memory access-log sink (what `-` does, minus standard output). */
class MemorySink implements AccessLogSink {
  readonly #lines: string[] = [];
  write(line: string): void {
    this.#lines.push(line);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  snapshot(): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.#lines.join(''), 'utf8'));
  }
}

export async function startPorta(options: StartPortaOptions): Promise<PortaServer> {
  const root = await realpath(options.root);
  const logLines: string[] = [];
  const internalErrors: unknown[] = [];
  const waiters: Array<() => void> = [];
  const sink: AccessLogSink = options.accessLogFile !== undefined ? await openAccessLog(options.accessLogFile) : new MemorySink();
  const logFormat = options.logFormat ?? 'common';

  const handle = createSiteHandler(
    makeSiteConfig({
      root,
      reportError: (error) => internalErrors.push(error),
      indexNames: options.indexNames,
      redirects: options.redirects !== undefined ? parseRedirectRules(options.redirects, 'test-redirects') : undefined,
      authFileName: options.authFileName,
      secret: options.secret,
      dotfiles: options.dotfiles,
      trace: options.trace,
      compression: options.compression,
      cors: options.cors,
      fallback: { cleanUrls: options.cleanUrls ?? false, spa: options.spa },
      addedFields: options.addedFields,
      // Tests of CGI start a site with programs in it: on unless a test turns it off.
      cgi: options.cgi !== false && {
        extension: options.cgiExtension ?? DEFAULT_CGI_SETTINGS.extension,
        timeoutMs: options.cgiTimeoutMs ?? DEFAULT_CGI_SETTINGS.timeoutMs,
        ...(options.cgiMax !== undefined ? { maxPrograms: options.cgiMax } : {}),
        searchPath: process.env.PATH ?? DEFAULT_CGI_SETTINGS.searchPath,
      },
      multiviews: options.multiviews,
      compressionBudget: options.compressionBudget,
      accessLogSnapshot: options.exposeAccessLog === true ? () => sink.snapshot() : undefined,
      healthPath: options.healthPath,
    }),
  );

  /** Every line also kept here (unless discarded), for waitForLog(). */
  const recording: AccessLogSink = {
    write: (line) => {
      if (options.discardLog === true) return;
      sink.write(line);
      logLines.push(line.replace(/\n$/, ''));
      for (const waiter of [...waiters]) waiter();
    },
    flush: () => sink.flush(),
    close: () => sink.close(),
    snapshot: () => sink.snapshot(),
  };

  const server = await startSiteServer({
    host: '127.0.0.1',
    port: 0,
    handle,
    ...(options.limits !== undefined ? { limits: options.limits } : {}),
    tls: options.tls,
    maxConnections: options.maxConnections,
    accessLog: { sink: recording, format: logFormat },
    onInternalError: (error) => internalErrors.push(error),
  });

  let closed: Promise<void> | undefined;
  return {
    port: server.address.port,
    root,
    logLines,
    internalErrors,
    openConnections: () => server.openConnections(),
    listener: server,
    waitForLog(count, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (logLines.length < count) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve([...logLines]);
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`timed out waiting for ${count} access-log lines; have ${JSON.stringify(logLines)}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    close() {
      closed ??= server.shutdown(100).then(() => sink.close());
      return closed;
    },
  };
}

/** Runs `body` against a fresh server and always closes it. */
export async function withPorta<T>(options: StartPortaOptions, body: (server: PortaServer) => Promise<T>): Promise<T> {
  const server = await startPorta(options);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

// ---- Temporary sites ----

/** What to put at a path: file content, a directory, or a symbolic link. */
export type SiteEntry =
  | string
  | Buffer
  | { readonly dir: true }
  | { readonly symlink: string }
  | { readonly content: string | Buffer; readonly mtime: Date };

export interface TempSite {
  /** The temporary directory holding `root` (place for files outside the root). */
  readonly base: string;
  /** The document root: `${base}/root`, symlink-free. */
  readonly root: string;
  /** Absolute path of a root-relative name. */
  path(relative: string): string;
  /** Adds more entries (same rules as makeTempSite). */
  add(entries: Readonly<Record<string, SiteEntry>>): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Creates `${tmp}/porta-wire-XXXX/root` and the given entries, keyed by path relative to the
 * root ('a/b.txt'; '../outside.txt' lands next to the root, outside it). Parent directories
 * are created as needed.
 */
export async function makeTempSite(entries: Readonly<Record<string, SiteEntry>> = {}): Promise<TempSite> {
  const base = await realpath(await mkdtemp(join(tmpdir(), 'porta-wire-')));
  const root = join(base, 'root');
  await mkdir(root);
  const add = async (more: Readonly<Record<string, SiteEntry>>): Promise<void> => {
    for (const [relative, entry] of Object.entries(more)) {
      const target = join(root, relative);
      await mkdir(dirname(target), { recursive: true });
      if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
        await writeFile(target, entry);
      } else if ('dir' in entry) {
        await mkdir(target, { recursive: true });
      } else if ('symlink' in entry) {
        await symlink(entry.symlink, target);
      } else {
        await writeFile(target, entry.content);
        await utimes(target, entry.mtime, entry.mtime);
      }
    }
  };
  await add(entries);
  return {
    base,
    root,
    path: (relative) => join(root, relative),
    add,
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}
