/**
 * What a request means for a document root, as a chain of small phases (architecture.md):
 *
 *   method known? -> virtual resources -> path -> redirect -> (auth) -> TRACE
 *     -> resolve -> method permission -> directory | file (preconditions -> range)
 *
 * Each phase either answers or hands on. The site knows nothing of sockets. The chain is
 * synchronous while the FileCache has a fresh answer, so the common request costs no
 * promise; it turns asynchronous only where the disk must be asked.
 */
import { statusPageResponse } from '../http/error-page.js';
import { HttpError } from '../http/http-error.js';
import type { RequestHandler } from '../http/connection.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import { ACCESS_LOG_PATH, accessLogResponse } from './access-log-resource.js';
import type { SiteConfig } from './config.js';
import { listingResponse, trailingSlashRedirect } from './directory.js';
import { DEFAULT_FILE_CACHE_OPTIONS, FileCache, type CachedTarget } from './file-cache.js';
import { IMPLEMENTED_METHODS, isImplementedMethod, methodNotAllowed, optionsResponse, type Permissions } from './methods.js';
import { applyRedirectRules, redirectResponse } from './redirects.js';
import { serveFile } from './static-file.js';
import { traceResponse } from './trace.js';
import { parseRequestPath, type RequestPath } from './url-path.js';

const NOT_FOUND = 'The requested resource does not exist on this server.';
const NOT_FOUND_RESPONSE = statusPageResponse(404, NOT_FOUND);

type MaybeAsync<T> = T | Promise<T>;

export function createSiteHandler(config: SiteConfig): RequestHandler {
  const cache = new FileCache({
    ...DEFAULT_FILE_CACHE_OPTIONS,
    root: config.root,
    hiddenName: config.authFileName,
    extensionMaps: config.extensionMaps,
  });
  return (request) => handleRequest(request, config, cache);
}

function handleRequest(request: HttpRequest, config: SiteConfig, cache: FileCache): MaybeAsync<HttpResponse> {
  const method = request.method;
  if (!isImplementedMethod(method)) {
    throw new HttpError(501, `The method ${method} is not implemented by this server.`);
  }
  if (request.pathAndQuery === '*') return optionsAsterisk(config.traceEnabled);

  const requestPath = parseRequestPath(request.pathAndQuery);
  if (config.accessLogSnapshot && requestPath.path === ACCESS_LOG_PATH) {
    return accessLogResponse(request, config.accessLogSnapshot, config.traceEnabled);
  }
  if (config.redirects.length > 0) {
    const redirect = applyRedirectRules(config.redirects, requestPath.path, requestPath.query);
    if (redirect) return redirectResponse(redirect.status, redirect.location);
  }

  const permissions: Permissions = { trace: config.traceEnabled };
  if (method === 'TRACE') {
    if (!config.traceEnabled) throw methodNotAllowed(method, permissions);
    return traceResponse(request);
  }

  const answer = (target: CachedTarget): MaybeAsync<HttpResponse> => answerForTarget(request, requestPath, target, config, cache, permissions);
  const cached = cache.peek(requestPath.path);
  if (cached !== undefined) return answer(cached);
  return cache.lookup(requestPath.path, requestPath.segments).then(answer);
}

/** OPTIONS * : everything the server implements (RFC 9110 section 9.3.7). */
function optionsAsterisk(traceEnabled: boolean): HttpResponse {
  const methods = IMPLEMENTED_METHODS.filter((m) => traceEnabled || m !== 'TRACE');
  return { status: 200, headers: [['Allow', methods.join(', ')]], body: { kind: 'none' } };
}


/** Method permission (http.md section 1): POST without CGI is 501, PUT/DELETE need a grant. */
function checkMethodPermitted(method: string, permissions: Permissions): void {
  if (method === 'POST' && !permissions.post) {
    throw new HttpError(501, 'POST is only implemented for CGI programs; this resource is static content.');
  }
  if ((method === 'PUT' && !permissions.put) || (method === 'DELETE' && !permissions.delete)) {
    throw methodNotAllowed(method, permissions);
  }
}

function answerForTarget(
  request: HttpRequest,
  requestPath: RequestPath,
  target: CachedTarget,
  config: SiteConfig,
  cache: FileCache,
  permissions: Permissions,
): MaybeAsync<HttpResponse> {
  checkMethodPermitted(request.method, permissions);
  // The commonest error is answered, not thrown: it is a hot path of its own (scanners, typos).
  if (target.kind === 'missing') return NOT_FOUND_RESPONSE;
  if (request.method === 'OPTIONS') return optionsResponse(permissions);

  if (target.kind === 'file') {
    // A file named with a trailing slash is not that file.
    if (requestPath.path.endsWith('/')) throw new HttpError(404, NOT_FOUND);
    return serveFile(request, target, config.extensionMaps);
  }
  if (!requestPath.path.endsWith('/')) return trailingSlashRedirect(requestPath);
  return serveDirectory(request, requestPath, target.fsPath, config, cache);
}

/** The first index document that exists, else the generated listing. */
async function serveDirectory(request: HttpRequest, requestPath: RequestPath, dirPath: string, config: SiteConfig, cache: FileCache): Promise<HttpResponse> {
  const parentSegments = requestPath.segments.slice(0, -1);
  for (const indexName of config.indexNames) {
    const key = `${requestPath.path}${indexName}`;
    const index = cache.peek(key) ?? (await cache.lookup(key, [...parentSegments, indexName]));
    if (index.kind === 'file') return serveFile(request, index, config.extensionMaps);
  }
  return listingResponse(dirPath, requestPath.path, config.authFileName);
}
