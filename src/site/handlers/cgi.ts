/**
 * Handler `cgi`: a regular, executable file whose name ends in the CGI suffix is a
 * program, run for GET, HEAD and POST (docs/serve.md, CGI programs, RFC 3875), never served as a file.
 * The file was found by the resolve stage inside the document root (symbolic links leading
 * out are refused there), and it is spawned directly: no shell ever sees a request value.
 *
 * The answer is the program's: its status (`Status`), its fields, and its output streamed
 * as the body, at the pace the client reads. A program that fails before a valid header
 * block is a 500, one that takes too long a 504; what it wrote is never shown raw. At most
 * `maxPrograms` run at once in this process; beyond that the answer is 503.
 */
import { availableParallelism } from 'node:os';
import { basename, dirname } from 'node:path';
import type { CgiHead } from '../../cgi/header-block.js';
import { buildCgiEnvironment } from '../../cgi/environment.js';
import { runCgiProgram, runningCgiPrograms, type CgiRun } from '../../cgi/process-runner.js';
import { CgiRunError } from '../../cgi/run-error.js';
import { HTML_TYPE, renderStatusPage } from '../../http/error-page.js';
import { HttpError } from '../../http/http-error.js';
import { BodyError } from '../../http/request-body.js';
import type { HttpResponse } from '../../http/response.js';
import { escapeHtml } from '../../http/syntax.js';
import { SERVER_SOFTWARE } from '../../version.js';
import type { CgiSettings, SiteConfig } from '../config.js';
import type { RequestContext } from '../context.js';
import type { CachedFile } from '../file-cache.js';
import type { ProgramResource } from '../resource.js';
import type { Handler } from './handler.js';

/** Programs per CPU core that may run at once, by default (`--cgi-max`). */
export const CGI_PROGRAMS_PER_CORE = 16;

/** The default cap on programs running at once: 16 per CPU core of this machine. */
export function defaultCgiMax(): number {
  return CGI_PROGRAMS_PER_CORE * availableParallelism();
}

export const DEFAULT_CGI_SETTINGS: CgiSettings = Object.freeze({
  extension: '.cgi',
  timeoutMs: 30_000,
  searchPath: '/usr/local/bin:/usr/bin:/bin',
});

/** Retry-After of the 503 that a full house of programs gets, in seconds. */
const BUSY_RETRY_AFTER = '5';

/**
 * Logged (never sent: there is nobody to send it to) when the client left before the
 * program answered; nginx logs the same case as 499.
 */
const CLIENT_LEFT_STATUS = 499;

const ANY_EXECUTE_BIT = 0o111;

/**
 * Whether a file is a CGI program (asked once per request, by map/classify.ts). Cheap enough
 * for every request: most files fail the execute-bit test before the name is looked at.
 */
export function isCgiProgram(config: SiteConfig, target: CachedFile): boolean {
  const cgi = config.cgi;
  if (cgi === false || (target.stats.mode & ANY_EXECUTE_BIT) === 0) return false;
  const extension = cgi.extension;
  const path = target.fsPath;
  const nameStart = path.length - extension.length;
  // The suffix must follow at least one character of the name.
  if (nameStart < 2 || path.charCodeAt(nameStart - 1) === 0x2f /* / */) return false;
  return path.slice(nameStart).toLowerCase() === extension.toLowerCase();
}

export const cgiHandler: Handler<ProgramResource> = {
  name: 'cgi',
  handle: (ctx, resource) => runProgram(ctx, resource),
};

async function runProgram(ctx: RequestContext, resource: ProgramResource): Promise<HttpResponse> {
  const request = ctx.request;
  const body = request.body;
  // RFC 9110 section 15.5.12: the program reads its input by length; a POST must declare one.
  if (request.method === 'POST' && !body.present && !request.fields.has('content-length')) {
    throw new HttpError(411, 'A POST request needs a Content-Length (or chunked Transfer-Encoding).');
  }
  const program = resource.file;
  const settings = ctx.site.config.cgi;
  if (settings === false) throw new Error('CGI is off'); // Never: classify asked isCgiProgram.
  const scriptName = scriptNameOf(resource);
  // A client that ends its side before the program answered has left (nginx counts it so).
  const clientGone = request.clientGone?.({ halfCloseCounts: true });
  if (clientGone?.aborted === true) return clientLeft(ctx, new CgiRunError('client-gone', scriptName, 'the client left before the program was started'));
  const maxPrograms = settings.maxPrograms ?? defaultCgiMax();
  if (runningCgiPrograms() >= maxPrograms) {
    // Each program is a process: past the cap the machine is protected, not the request.
    throw new HttpError(503, `The server is already running as many programs as it may (${maxPrograms}); try again shortly.`, { headers: [['Retry-After', BUSY_RETRY_AFTER]] });
  }
  const reportError = ctx.site.config.reportError;
  const peer = request.peer;
  const env = buildCgiEnvironment({
    serverSoftware: SERVER_SOFTWARE,
    authority: request.authority,
    localAddress: peer.localAddress,
    localPort: peer.localPort,
    remoteAddress: peer.remoteAddress,
    remotePort: peer.remotePort,
    protocol: request.version,
    method: request.method,
    requestUri: request.pathAndQuery,
    scriptName,
    scriptFilename: program.fsPath,
    pathInfo: resource.trailingPath,
    queryString: resource.path.query ?? '',
    authType: ctx.authType,
    remoteUser: ctx.user,
    contentLength: body.present ? body.length : undefined,
    fields: request.fields,
    searchPath: settings.searchPath,
  });
  const run = runCgiProgram({
    program: program.fsPath,
    label: scriptName,
    cwd: dirname(program.fsPath),
    env,
    input: body.present ? body.stream() : undefined,
    onInputUnread: () => body.discard(),
    timeoutMs: settings.timeoutMs,
    ...(clientGone !== undefined ? { clientGone } : {}),
    onStderrLine: (line) => reportError(`${scriptName}: ${line}`),
    onCondition: reportError,
  });
  let head: CgiHead;
  try {
    head = await run.head;
  } catch (error) {
    if (error instanceof CgiRunError && error.failure === 'client-gone') return clientLeft(ctx, error);
    throw answerForFailure(error);
  }
  if (head.redirect && !(await run.hasBody())) return redirectPage(head, run);
  return {
    status: head.status,
    ...(head.reason !== undefined ? { reason: head.reason } : {}),
    headers: head.fields,
    body: { kind: 'stream', length: declaredLength(head), open: () => run.body(), release: () => run.kill() },
  };
}

/** The program's URL path: the request's path without what follows the program's name. */
function scriptNameOf(resource: ProgramResource): string {
  const path = resource.path.path;
  if (resource.indexOf !== undefined) return `${path}${basename(resource.file.fsPath)}`;
  const trailing = resource.trailingPath;
  return trailing === '' ? path : path.slice(0, path.length - trailing.length);
}

/** The program's own Content-Length, when it is a valid one: the body is framed by it. */
function declaredLength(head: CgiHead): number | undefined {
  let length: number | undefined;
  for (const [name, value] of head.fields) {
    if (name.toLowerCase() !== 'content-length') continue;
    if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) return undefined;
    length = Number(value);
  }
  return length;
}

/** `Location` alone and no body (RFC 3875 section 6.2.3): 302 with a page of our own. */
function redirectPage(head: CgiHead, run: CgiRun): HttpResponse {
  run.kill();
  const location = head.fields.find(([name]) => name.toLowerCase() === 'location')?.[1] ?? '';
  const fields = head.fields.filter(([name]) => name.toLowerCase() !== 'content-type');
  const link = `<p><a href="${escapeHtml(location)}">${escapeHtml(location)}</a></p>\n`;
  return {
    status: 302,
    headers: [...fields, ['Content-Type', HTML_TYPE]],
    body: { kind: 'generated', data: renderStatusPage(302, 'The document is at another address.', link) },
  };
}

/** The client left first: one line in the error log, and a status for the access log only. */
function clientLeft(ctx: RequestContext, condition: CgiRunError): HttpResponse {
  ctx.site.config.reportError(condition);
  return { status: CLIENT_LEFT_STATUS, headers: [], body: { kind: 'none' }, close: true };
}

/** What the client is told when the program gave no usable answer; the cause (one line) goes to the error log. */
function answerForFailure(error: unknown): HttpError {
  if (!(error instanceof CgiRunError)) return new HttpError(500, 'The program could not be run.', { cause: error });
  switch (error.failure) {
    case 'input':
      if (error.reason instanceof BodyError) return error.reason.httpError;
      return new HttpError(500, 'The request body could not be passed to the program.', { cause: error });
    case 'timeout':
      return new HttpError(504, 'The program did not answer in time and was stopped.', { cause: error });
    case 'orphaned-output':
      return new HttpError(504, 'The program exited without finishing its answer, and was stopped.', { cause: error });
    case 'output':
      return new HttpError(500, 'The program did not produce a valid response.', { cause: error });
    default:
      return new HttpError(500, 'The program could not be run.', { cause: error });
  }
}
