/**
 * `porta serve [ROOT]`: wires the pieces together: options -> site handler -> access log
 * -> HTTP listener, prints the banner, and shuts down gracefully on SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEFAULT_LIMITS } from '../../http/limits.js';
import { formatAccessLine } from '../../log/format.js';
import { openAccessLog, type AccessLogSink } from '../../log/sink.js';
import { defaultMaxConnections } from '../../net/descriptor-limit.js';
import { describeListenError } from '../../net/listen-error.js';
import { startHttpServer, type RunningHttpServer } from '../../net/http-server.js';
import { reachableUrls } from '../../net/network-urls.js';
import { isWorkerProcess, reportFatalToPrimary, startWorkerPool, waitForPrimaryShutdownRequest } from '../../net/worker-pool.js';
import { DEFAULT_EXTENSION_MAPS } from '../../site/media-type.js';
import { parseRedirectRules, type RedirectRule } from '../../site/redirects.js';
import { createSiteHandler } from '../../site/site.js';
import { PORTA_VERSION, SERVER_SOFTWARE } from '../../version.js';
import { toAccessRecord } from '../access-logging.js';
import type { Command } from '../command.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { parseServeOptions, WORKER_SECRET_ENV, type ServeOptions } from '../serve-options.js';
import { waitForStopSignal } from '../signals.js';

/** How long in-flight requests may take to finish after SIGINT/SIGTERM. */
const SHUTDOWN_GRACE_MS = 5000;

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
  --max-body BYTES           request body limit, 413 beyond (default 2097152)
  --max-uri BYTES            request-target limit, 414 beyond (default 2048)
  --auth-file NAME           name of the per-directory auth control file (default WeMustProtectThisHouse!)
  --secret TEXT              key for Digest nonces (default: random per start)
  --cgi, --no-cgi            run executable *.cgi files (default on; --cgi-ext SUFFIX, --cgi-timeout SEC)
  --trace, --no-trace        the TRACE method (default on)
  --access-log FILE          where the access log goes: '-' stdout (default), a file, or 'off'
  --log-format FORMAT        common (default) or combined
  --expose-access-log        serve the log at /.well-known/access.log
  --dotfiles deny|allow      names starting with '.' are 404 and unlisted (default deny;
                             /.well-known/ is always served)
  --default-charset NAME|off charset of text, JavaScript and JSON files (default utf-8)
  --workers N|auto           worker processes sharing the port (default 1)
  --max-connections N|auto   open connections per process beyond which new ones are closed
                             (default auto: the open-files limit less a reserve)
  -q, --quiet                no start-up banner
`;

function loadRedirects(file: string | undefined): RedirectRule[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--redirects: cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
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

function printBanner(options: ServeOptions, port: number): void {
  const urls = reachableUrls(options.host, port);
  const lines = [`porta ${PORTA_VERSION} serving ${options.root}`, `  Local:    ${urls.local}`];
  for (const url of urls.network) lines.push(`  Network:  ${url}`);
  const log = options.accessLog === '-' ? 'standard output' : options.accessLog;
  lines.push(`  Access log: ${log} (${options.logFormat})`, 'Press Ctrl+C to stop.');
  process.stderr.write(`${lines.join('\n')}\n`);
}


type Role = 'single' | 'worker';

function reportInternalError(error: unknown): void {
  process.stderr.write(`porta: error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}

/** Serves in this process until told to stop: the whole server, or one worker of several. */
async function runServer(options: ServeOptions, role: Role): Promise<number> {
  // Listen for the stop request first, so none that arrives during start-up is lost.
  const stopRequested = role === 'worker' ? waitForPrimaryShutdownRequest().then(() => undefined) : waitForStopSignal();
  const redirects = loadRedirects(options.redirectsFile);
  const sink = await openLog(options.accessLog);
  const handle = createSiteHandler({
    root: options.root,
    indexNames: options.indexNames,
    redirects,
    authFileName: options.authFileName,
    secret: options.secret,
    dotfiles: options.dotfiles,
    traceEnabled: options.trace,
    cgiEnabled: options.cgi,
    extensionMaps: { ...DEFAULT_EXTENSION_MAPS, defaultCharset: options.defaultCharset },
    accessLogSnapshot: options.exposeAccessLog ? () => sink.snapshot() : undefined,
    reportError: reportInternalError,
  });

  let server: RunningHttpServer;
  try {
    const maxConnections = options.maxConnections === 'auto' ? defaultMaxConnections() : options.maxConnections;
    server = await startHttpServer({
      host: options.host,
      port: options.port,
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      context: {
        limits: {
          ...DEFAULT_LIMITS,
          maxUriBytes: options.maxUriBytes,
          maxBodyBytes: options.maxBodyBytes,
          keepAliveTimeoutMs: options.keepAliveTimeoutMs,
          headerTimeoutMs: options.headerTimeoutMs,
          sendTimeoutMs: options.sendTimeoutMs,
        },
        serverField: SERVER_SOFTWARE,
        handle,
        onExchange: (exchange) => sink.write(formatAccessLine(toAccessRecord(exchange), options.logFormat)),
        onInternalError: reportInternalError,
      },
    });
  } catch (error) {
    await sink.close();
    const message = describeListenError(error, options.host, options.port);
    if (role === 'worker') {
      // The primary reports it, once, for all workers; the IPC channel must not keep us alive.
      await reportFatalToPrimary(message);
      process.disconnect?.();
      return 1;
    }
    throw new RuntimeFailure(message);
  }

  if (role === 'single' && !options.quiet) printBanner(options, server.address.port);
  const signal = await stopRequested;
  if (signal !== undefined && !options.quiet) process.stderr.write(`porta: ${signal} received, finishing requests in flight and stopping\n`);
  await server.shutdown(SHUTDOWN_GRACE_MS);
  await sink.close();
  // The IPC channel would keep a worker alive after its work is done.
  if (role === 'worker') process.disconnect?.();
  return 0;
}


/**
 * The primary of `--workers N`: checks what only needs checking once, forks the workers
 * (each runs this same command and serves), prints the banner, and orders the shutdown.
 */
async function runPrimary(options: ServeOptions, count: number): Promise<number> {
  loadRedirects(options.redirectsFile);
  await (await openLog(options.accessLog)).close();
  // One Digest secret for every worker, so a nonce issued by one is valid at all.
  const secret = options.secret ?? randomBytes(32).toString('hex');
  let failure: ((message: string) => void) | undefined;
  const fatal = new Promise<string>((resolve) => (failure = resolve));
  const stopRequested = waitForStopSignal();
  const pool = startWorkerPool({
    count,
    env: { [WORKER_SECRET_ENV]: secret },
    onFirstListening: (port) => {
      if (!options.quiet) {
        printBanner(options, port);
        process.stderr.write(`  ${count} worker processes\n`);
      }
    },
    report: (line) => process.stderr.write(`porta: ${line}\n`),
    onFatal: (message) => failure?.(message),
  });
  const outcome = await Promise.race([stopRequested.then((signal) => ({ signal })), fatal.then((message) => ({ message }))]);
  if ('message' in outcome) {
    await pool.shutdown(0);
    throw new RuntimeFailure(outcome.message);
  }
  if (!options.quiet) process.stderr.write(`porta: ${outcome.signal} received, stopping ${count} workers\n`);
  await pool.shutdown(SHUTDOWN_GRACE_MS);
  return 0;
}

async function run(args: string[]): Promise<number> {
  const options = parseServeOptions(args, process.env);
  const count = options.workers === 'auto' ? availableParallelism() : options.workers;
  if (isWorkerProcess()) return runServer(options, 'worker');
  if (count > 1) return runPrimary(options, count);
  return runServer(options, 'single');
}

export const serveCommand: Command = {
  summary: 'serve a directory over HTTP/1.1',
  help: HELP,
  run,
};
