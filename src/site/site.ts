/**
 * What a request means for a document root, as a chain of small phases (architecture.md):
 *
 *   method known? -> virtual resources -> path -> redirect -> (auth) -> TRACE/OPTIONS *
 *     -> resolve -> method permission -> directory | file (preconditions -> range)
 *
 * Each phase either answers or hands on. The site knows nothing of sockets.
 */
import { HttpError } from '../http/http-error.js';
import type { RequestHandler } from '../http/connection.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import { ACCESS_LOG_PATH, accessLogResponse } from './access-log-resource.js';
import type { SiteConfig } from './config.js';
import { listingResponse, trailingSlashRedirect } from './directory.js';
import { IMPLEMENTED_METHODS, allowedMethods, isImplementedMethod, methodNotAllowed, type Permissions } from './methods.js';
import { applyRedirectRules, redirectResponse } from './redirects.js';
import { resolveTarget, type ResolvedTarget } from './resolve.js';
import { serveFile } from './static-file.js';
import { traceResponse } from './trace.js';
import { parseRequestPath, type RequestPath } from './url-path.js';

const NOT_FOUND = 'The requested resource does not exist on this server.';

export function createSiteHandler(config: SiteConfig): RequestHandler {
  return (request) => handleRequest(request, config);
}

async function handleRequest(request: HttpRequest, config: SiteConfig): Promise<HttpResponse> {
  const method = request.method;
  if (!isImplementedMethod(method)) {
    throw new HttpError(501, `The method ${method} is not implemented by this server.`);
  }
  if (request.pathAndQuery === '*') return optionsAsterisk();
  if (method === 'CONNECT') throw new HttpError(501, 'This server is not a proxy.');

  const requestPath = parseRequestPath(request.pathAndQuery);
  if (config.accessLogSnapshot && requestPath.path === ACCESS_LOG_PATH) {
    return accessLogResponse(request, config.accessLogSnapshot, config.traceEnabled);
  }
  const redirect = applyRedirectRules(config.redirects, requestPath.path, requestPath.query);
  if (redirect) return redirectResponse(redirect.status, redirect.location);

  const permissions: Permissions = { trace: config.traceEnabled };
  if (method === 'TRACE') {
    if (!config.traceEnabled) throw methodNotAllowed(method, permissions);
    return traceResponse(request);
  }

  const target = await resolveTarget(config.root, requestPath.segments, config.authFileName);
  return answerForTarget(request, requestPath, target, config, permissions);
}

/** OPTIONS * : everything the server implements (RFC 9110 section 9.3.7). */
function optionsAsterisk(): HttpResponse {
  return { status: 200, headers: [['Allow', IMPLEMENTED_METHODS.join(', ')]], body: { kind: 'none' } };
}

function options(permissions: Permissions): HttpResponse {
  return { status: 200, headers: [['Allow', allowedMethods(permissions).join(', ')]], body: { kind: 'none' } };
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

async function answerForTarget(
  request: HttpRequest,
  requestPath: RequestPath,
  target: ResolvedTarget,
  config: SiteConfig,
  permissions: Permissions,
): Promise<HttpResponse> {
  checkMethodPermitted(request.method, permissions);
  if (target.kind === 'missing') throw new HttpError(404, NOT_FOUND);
  if (request.method === 'OPTIONS') return options(permissions);

  if (target.kind === 'file') {
    // A file named with a trailing slash is not that file.
    if (requestPath.path.endsWith('/')) throw new HttpError(404, NOT_FOUND);
    return serveFile(request, target, config.extensionMaps);
  }
  if (!requestPath.path.endsWith('/')) return trailingSlashRedirect(requestPath);
  for (const indexName of config.indexNames) {
    const index = await resolveTarget(config.root, [...requestPath.segments.slice(0, -1), indexName], config.authFileName);
    if (index.kind === 'file') return serveFile(request, index, config.extensionMaps);
  }
  return listingResponse(target.fsPath, requestPath.path, config.authFileName);
}
