/**
 * Phase `permission`: what the client may do with the resolved target (docs/protocol.md
 * and 8) and whether the method is among it. GET, HEAD and OPTIONS always; TRACE unless
 * switched off; POST only for CGI programs (501 otherwise: porta has no POST handler for
 * static content); PUT and DELETE only where the governing control file grants them (405
 * with the Allow that does apply otherwise).
 */
import { HttpError } from '../../http/http-error.js';
import { isCgiProgram } from '../content/cgi.js';
import { methodNotAllowed } from '../methods.js';
import type { Phase } from '../pipeline.js';

export const permissionPhase: Phase = {
  name: 'permission',
  run(ctx) {
    const method = ctx.request.method;
    const grants = ctx.grants;
    // DELETE removes files only: a directory does not offer it (docs/serve.md, uploads).
    if (grants.put || grants.delete) ctx.permissions = { ...ctx.permissions, put: grants.put, delete: grants.delete && ctx.target?.kind !== 'directory' };
    if (method !== 'POST' && method !== 'PUT' && method !== 'DELETE' && method !== 'TRACE' && method !== 'OPTIONS') return undefined;
    if (isCgiProgram(ctx)) ctx.permissions = { ...ctx.permissions, post: true };
    // No 411 here: it belongs to the handlers that use a body (content/cgi.ts, content/put.ts),
    // so a POST to static content is 501 with or without a length (docs/protocol.md).
    const permissions = ctx.permissions;
    if (method === 'POST' && permissions.post !== true) {
      throw new HttpError(501, 'POST is only implemented for CGI programs; this resource is static content.');
    }
    if ((method === 'PUT' && permissions.put !== true) || (method === 'DELETE' && permissions.delete !== true) || (method === 'TRACE' && !permissions.trace)) {
      throw methodNotAllowed(method, permissions);
    }
    return undefined;
  },
};
