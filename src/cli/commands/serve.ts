/**
 * `porta serve [ROOT]`: wires the pieces together: options -> site handler -> access log
 * -> HTTP listener, prints the banner, and shuts down gracefully on SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { openAccessLog, type AccessLogSink } from '../../log/sink.js';
import { defaultMaxConnections } from '../../net/descriptor-limit.js';
import { describeListenError } from '../../net/listen-error.js';
import type { RunningHttpServer } from '../../net/http-server.js';
import { reachableUrls } from '../../net/network-urls.js';
import { isWorkerProcess, onReloadRequest, reportFatalToPrimary, startWorkerPool, waitForPrimaryShutdownRequest } from '../../net/worker-pool.js';
import type { RequestHandler } from '../../http/handler.js';
import { createHttpsRedirectHandler } from '../../site/https-redirect.js';
import { makeSiteConfig } from '../../site/config.js';
import { parseRedirectRules, type RedirectRule } from '../../site/redirects.js';
import { stopAllCgiPrograms } from '../../cgi/process-runner.js';
import { DEFAULT_CGI_SETTINGS, defaultCgiMax } from '../../site/handlers/cgi.js';
import { createSiteHandler } from '../../site/site.js';
import { PORTA_VERSION } from '../../version.js';
import type { Command } from '../command.js';
import { describeFileError, RuntimeFailure, UsageError } from '../errors.js';
import { parseServeOptions, WORKER_SECRET_ENV, type ServeOptions } from '../serve-options.js';
import { waitForStopSignal } from '../signals.js';
import { onReloadSignal, refusedLine, reloadedLine, restartOnlyChanges } from '../reload.js';
import { loadTls, WORKER_TLS_CERT_ENV, WORKER_TLS_KEY_ENV, type LoadedTls } from '../tls-setup.js';
import { startSiteServer } from '../../api/site-server.js';

const HELP = `Usage: porta serve [ROOT] [options]

Serves ROOT (default: the current directory) over HTTP/1.1.

Options:
  --host ADDR                address to bind (default 0.0.0.0; '::' for dual stack, 127.0.0.1 for loopback only)
  -p, --port PORT            number, 0 for any free port, or a service name (default $PORT or 8080)
  -c, --config FILE          JSON config file; keys are the long flags in camelCase (flags win)
  --redirects FILE           redirect rules, one per line: '301: ^(.*)/old/(.*)$ $1/new/$2'
  --index NAME               default document for directories (repeatable; default index.html)
  --keep-alive-timeout SEC   idle time before 408 and close on a persistent connection (default 5)
  --header-timeout SEC       time allowed to receive a request head, and between body reads (default 10)
  --send-timeout SEC         a response the client does not read for this long is abandoned (default 60)
  --stop-timeout SEC         on SIGINT/SIGTERM, time requests in flight get to finish (default 30)
  --max-body SIZE            request body limit, 413 beyond (default 2M); SIZE is bytes
                             or 512k, 10M, 1G (k = 1024, as nginx)
  --max-uri SIZE             request-target limit, 414 beyond (default 2k)
  --auth-file NAME           name of the per-directory auth control file (default WeMustProtectThisHouse!)
  --secret TEXT              key for Digest nonces (default: random per start)
  --cgi, --no-cgi            run executable *.cgi files as CGI programs for GET, HEAD and POST (default on)
  --cgi-ext SUFFIX           file-name suffix of CGI programs (default .cgi)
  --cgi-timeout SEC          CGI programs running longer are killed, 504 if nothing was sent (default 30)
  --cgi-max N|auto           CGI programs running at once, 503 beyond (default auto: 16 per CPU core;
                             shared out among --workers)
  --trace, --no-trace        the TRACE method (default on)
  --access-log FILE          where the access log goes: '-' stdout (default), a file, or 'off'
  --log-format FORMAT        common (default), combined, or json (one object per line)
  --expose-access-log        serve the log at /.well-known/access.log
  --dotfiles deny|allow      names starting with '.' are 404 and unlisted (default deny;
                             /.well-known/ is always served)
  --default-charset NAME|off  charset of text, JavaScript and JSON files (default utf-8)
  --cors                     let scripts on any origin read answers (Access-Control-Allow-Origin: *),
                             and answer CORS preflights
  --spa FILE                 single-page app: paths that match nothing and have no dot are
                             answered with FILE (e.g. index.html)
  --clean-urls               /about is about.html when /about does not exist
  --header 'Name: value'     add a field to successful answers (repeatable; per path prefix
                             with the config key "headers")
  --cache-control VALUE      Cache-Control on successful answers, e.g. 'no-cache'
  --max-age SEC              the same as --cache-control max-age=SEC
  --compress on|off|gzip|br  compress text, JavaScript, JSON... for clients that accept it, and
                             serve precompressed app.js.br / app.js.gz beside app.js (default on)
  --multiviews, --no-multiviews
                             content negotiation among name.* variants and *.var type maps (default on)
  --workers N|auto           worker processes sharing the port (default 1)
  --max-connections N|auto   open connections per process beyond which new ones are closed
                             (default auto: the open-files limit less a reserve)
  --tls-cert FILE            HTTPS on the port with this PEM certificate (chain) ...
  --tls-key FILE             ... and this PEM private key (both re-read on SIGHUP)
  --tls-self-signed          HTTPS with a certificate made at start, for local development
  --redirect-http PORT       also listen for plain HTTP on PORT and redirect it to HTTPS
  --health PATH              answer 200 'ok' at PATH (e.g. /.well-known/health) without
                             touching ROOT, for load-balancer and container probes
  -q, --quiet                no start-up banner

SIGHUP re-reads the config file, the redirect rules and the certificates; a bad new
configuration is refused with one line and the old one keeps serving.

Examples:
  porta serve                                  the current directory on port 8080
  porta serve examples/site --port 0           any free port (the banner says which)
  porta serve dist --spa index.html --max-age 600
  porta serve site --tls-self-signed --port 8443 --redirect-http 8080
  porta serve --config examples/porta.json     settings from a file (flags still win)
`;

function loadRedirects(file: string | undefined): RedirectRule[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--redirects: cannot read ${file}: ${describeFileError(error)}`);
  }
  try {
    return parseRedirectRules(text, file);
  } catch (error) {
    throw new UsageError(`--redirects: ${(error as Error).message}`);
  }
}

async function openLog(target: string): Promise<AccessLogSink> {
  try {
    return await openAccessLog(target);
  } catch (error) {
    throw new UsageError(`--access-log: ${(error as Error).message}`);
  }
}

/** Starting is allowed (permissions may be fixed while porta runs), but not silently. */
function warnIfRootUnreadable(root: string): void {
  try {
    accessSync(root, constants.R_OK | constants.X_OK);
  } catch {
    process.stderr.write(`porta: warning: ROOT ${root} cannot be read by this user; every request will be answered 403 until that changes\n`);
  }
}

function printBanner(options: ServeOptions, port: number, tls: LoadedTls | undefined, redirectPort: number | undefined): void {
  const urls = reachableUrls(options.host, port, tls === undefined ? 'http' : 'https');
  const lines = [`porta ${PORTA_VERSION} serving ${options.root}`, `  Local:    ${urls.local}`];
  for (const url of urls.network) lines.push(`  Network:  ${url}`);
  if (tls !== undefined) {
    const made = options.tls?.kind === 'self-signed' ? ' (self-signed, made at start)' : '';
    lines.push(`  Certificate SHA-256${made}: ${tls.fingerprint}`);
  }
  if (redirectPort !== undefined) lines.push(`  Plain HTTP on port ${redirectPort} redirects to HTTPS`);
  const log = options.accessLog === '-' ? 'standard output' : options.accessLog;
  lines.push(`  Access log: ${log} (${options.logFormat})`, 'Press Ctrl+C to stop.');
  process.stderr.write(`${lines.join('\n')}\n`);
}


type Role = 'single' | 'worker';

function reportInternalError(error: unknown): void {
  process.stderr.write(`porta: error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}

/**
 * This process's Digest secret when --secret is not given: made once, so a reload (which
 * makes the site again) does not turn every outstanding nonce into a forgery.
 */
let processSecret: string | undefined;

/** The site as `options` describe it: made at start and again on every reload. */
function makeSiteHandler(options: ServeOptions, redirects: RedirectRule[], sink: AccessLogSink): RequestHandler {
  return createSiteHandler(
    makeSiteConfig({
      root: options.root,
      reportError: reportInternalError,
      indexNames: options.indexNames,
      redirects,
      authFileName: options.authFileName,
      secret: options.secret ?? (processSecret ??= randomBytes(32).toString('hex')),
      dotfiles: options.dotfiles,
      trace: options.trace,
      compression: options.compression,
      cors: options.cors,
      fallback: { cleanUrls: options.cleanUrls, spa: options.spa },
      addedFields: options.addedFields,
      cgi: options.cgi && {
        extension: options.cgiExtension,
        timeoutMs: options.cgiTimeoutMs,
        maxPrograms: cgiMaxPerProcess(options),
        searchPath: process.env.PATH ?? DEFAULT_CGI_SETTINGS.searchPath,
      },
      defaultCharset: options.defaultCharset ?? null,
      multiviews: options.multiviews,
      accessLogSnapshot: options.exposeAccessLog ? () => sink.snapshot() : undefined,
      healthPath: options.healthPath,
    }),
  );
}

/**
 * This process's share of --cgi-max: the cap protects the machine, so N workers divide it
 * (rounded up, at least one each) rather than each running the whole number.
 */
function cgiMaxPerProcess(options: ServeOptions): number {
  const total = options.cgiMax === 'auto' ? defaultCgiMax() : options.cgiMax;
  const processes = options.workers === 'auto' ? availableParallelism() : options.workers;
  return Math.max(1, Math.ceil(total / processes));
}

/** Everything a reload re-reads, checked before anything running is touched. */
interface Reloaded {
  readonly options: ServeOptions;
  readonly redirects: RedirectRule[];
  readonly tls: LoadedTls | undefined;
}

function rereadConfiguration(args: readonly string[]): Reloaded {
  const options = parseServeOptions(args, process.env);
  // Certificate files are re-read; a made certificate is kept as it is.
  const tls = options.tls?.kind === 'files' ? loadTls(options.tls, options.host, process.env) : undefined;
  return { options, redirects: loadRedirects(options.redirectsFile), tls };
}

/** Serves in this process until told to stop: the whole server, or one worker of several. */
async function runServer(args: readonly string[], startOptions: ServeOptions, role: Role): Promise<number> {
  // Listen for the stop request first, so none that arrives during start-up is lost.
  const stopRequested = role === 'worker' ? waitForPrimaryShutdownRequest().then(() => undefined) : waitForStopSignal();
  let options = startOptions;
  const redirects = loadRedirects(options.redirectsFile);
  const tls = loadTls(options.tls, options.host, process.env);
  const sink = await openLog(options.accessLog);
  // Swapped by a reload; connections already open use the new one for their next request.
  let siteHandler = makeSiteHandler(options, redirects, sink);
  const handle: RequestHandler = (request) => siteHandler(request);

  let server: RunningHttpServer;
  let redirectServer: RunningHttpServer | undefined;
  const limits = {
    maxUriBytes: options.maxUriBytes,
    maxBodyBytes: options.maxBodyBytes,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    headerTimeoutMs: options.headerTimeoutMs,
    sendTimeoutMs: options.sendTimeoutMs,
  };
  const accessLog = { sink, format: options.logFormat };
  let listeningPort = options.port;
  try {
    const maxConnections = options.maxConnections === 'auto' ? defaultMaxConnections() : options.maxConnections;
    server = await startSiteServer({
      host: options.host,
      port: options.port,
      handle,
      limits,
      maxConnections,
      tls: tls?.credentials,
      accessLog,
      onInternalError: reportInternalError,
    });
    if (options.redirectHttpPort !== undefined) {
      listeningPort = options.redirectHttpPort;
      const httpsHandler = createHttpsRedirectHandler(server.address.port);
      redirectServer = await startSiteServer({
        host: options.host,
        port: options.redirectHttpPort,
        handle: httpsHandler,
        limits,
        maxConnections,
        accessLog,
        onInternalError: reportInternalError,
      }).catch(async (error: unknown) => {
        await server.shutdown(0);
        throw error;
      });
    }
  } catch (error) {
    await sink.close();
    const message = describeListenError(error, options.host, listeningPort);
    if (role === 'worker') {
      // The primary reports it, once, for all workers; the IPC channel must not keep us alive.
      await reportFatalToPrimary(message);
      process.disconnect?.();
      return 1;
    }
    throw new RuntimeFailure(message);
  }

  /** Re-reads and applies; the error message when the new configuration is refused. */
  const reload = (): Promise<string | undefined> => {
    let next: Reloaded;
    try {
      next = rereadConfiguration(args);
      const nextHandler = makeSiteHandler(next.options, next.redirects, sink);
      if (next.tls !== undefined && options.tls?.kind === 'files') server.setTlsCredentials(next.tls.credentials);
      siteHandler = nextHandler;
    } catch (error) {
      return Promise.resolve(error instanceof Error ? error.message : String(error));
    }
    const notApplied = restartOnlyChanges(options, next.options);
    // What the listener cannot change stays as it runs, so the next reload compares with that.
    if (notApplied.length === 0) options = next.options;
    if (role === 'single') process.stderr.write(reloadedLine(notApplied));
    return Promise.resolve(undefined);
  };
  let stopReloading: (() => void) | undefined;
  if (role === 'worker') onReloadRequest(reload, [server.address.port, ...(redirectServer ? [redirectServer.address.port] : [])]);
  else {
    stopReloading = onReloadSignal(async () => {
      const failure = await reload();
      if (failure !== undefined) process.stderr.write(refusedLine(new Error(failure)));
    });
  }

  if (role === 'single' && !options.quiet) printBanner(options, server.address.port, tls, redirectServer?.address.port);
  const signal = await stopRequested;
  stopReloading?.();
  if (signal !== undefined && !options.quiet) process.stderr.write(`porta: ${signal} received, ${finishingLine(options)}\n`);
  await Promise.all([server.shutdown(options.stopTimeoutMs), redirectServer?.shutdown(options.stopTimeoutMs)]);
  // CGI programs still running after the grace period would keep this process alive.
  stopAllCgiPrograms();
  await sink.close();
  // The IPC channel would keep a worker alive after its work is done.
  if (role === 'worker') process.disconnect?.();
  return 0;
}


/**
 * The primary of `--workers N`: checks what only needs checking once, forks the workers
 * (each runs this same command and serves), prints the banner, and orders the shutdown.
 */
async function runPrimary(args: readonly string[], options: ServeOptions, count: number): Promise<number> {
  loadRedirects(options.redirectsFile);
  // A made certificate is made once, here, so every worker presents the same one.
  const tls = loadTls(options.tls, options.host, process.env);
  await (await openLog(options.accessLog)).close();
  // One Digest secret for every worker, so a nonce issued by one is valid at all.
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const tlsEnv: Record<string, string> = options.tls?.kind === 'self-signed' && tls !== undefined ? { [WORKER_TLS_CERT_ENV]: tls.credentials.cert, [WORKER_TLS_KEY_ENV]: tls.credentials.key } : {};
  let failure: ((message: string) => void) | undefined;
  const fatal = new Promise<string>((resolve) => (failure = resolve));
  const stopRequested = waitForStopSignal();
  const pool = startWorkerPool({
    count,
    env: { [WORKER_SECRET_ENV]: secret, ...tlsEnv },
    onFirstListening: ([port = options.port, redirectPort]) => {
      if (!options.quiet) {
        printBanner(options, port, tls, redirectPort);
        process.stderr.write(`  ${count} worker processes\n`);
      }
    },
    report: (line) => process.stderr.write(`porta: ${line}\n`),
    onFatal: (message) => failure?.(message),
  });
  // SIGHUP: the primary checks the new configuration once, then each worker reloads in turn.
  const stopReloading = onReloadSignal(async () => {
    let next: Reloaded;
    try {
      next = rereadConfiguration(args);
    } catch (error) {
      process.stderr.write(refusedLine(error));
      return;
    }
    const failures = await pool.reload();
    if (failures.length > 0) process.stderr.write(refusedLine(new Error(failures.join('; '))));
    else process.stderr.write(reloadedLine(restartOnlyChanges(options, next.options), `reloaded the configuration in ${count} workers`));
  });
  const outcome = await Promise.race([stopRequested.then((signal) => ({ signal })), fatal.then((message) => ({ message }))]);
  stopReloading();
  if ('message' in outcome) {
    await pool.shutdown(0);
    throw new RuntimeFailure(outcome.message);
  }
  if (!options.quiet) process.stderr.write(`porta: ${outcome.signal} received, stopping ${count} workers: ${finishingLine(options)}\n`);
  await pool.shutdown(options.stopTimeoutMs);
  return 0;
}

/** What a stop promises, in the line it prints: how long downloads in flight may still take. */
function finishingLine(options: ServeOptions): string {
  return `finishing requests in flight (at most ${options.stopTimeoutMs / 1000} s, --stop-timeout) and stopping`;
}

async function run(args: string[]): Promise<number> {
  const options = parseServeOptions(args, process.env);
  const count = options.workers === 'auto' ? availableParallelism() : options.workers;
  if (isWorkerProcess()) return runServer(args, options, 'worker');
  warnIfRootUnreadable(options.root);
  if (count > 1) return runPrimary(args, options, count);
  return runServer(args, options, 'single');
}

export const serveCommand: Command = {
  summary: 'serve a directory over HTTP/1.1',
  help: HELP,
  run,
};
