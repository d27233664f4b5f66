/**
 * Stage `permission`: what the client may do with the resource (docs/protocol.md)
 * and whether the method is among it. GET, HEAD and OPTIONS always; TRACE unless
 * switched off; POST only for CGI programs (501 otherwise: porta has no POST handler for
 * static content); PUT and DELETE only where the governing control file grants them (405
 * with the Allow that does apply otherwise).
 */
import { HttpError } from '../../http/http-error.js';
import { methodNotAllowed } from '../methods.js';
import type { Resource } from '../resource.js';
import type { Stage } from '../stage.js';

export const permissionStage: Stage = {
  name: 'permission',
  run(ctx) {
    const method = ctx.request.method;
    const resource = ctx.resource as Resource;
    const grants = ctx.grants;
    // DELETE removes files only: a directory does not offer it (docs/serve.md, uploads).
    if (grants.put || grants.delete) ctx.permissions = { ...ctx.permissions, put: grants.put, delete: grants.delete && resource.requested.kind !== 'directory' };
    if (method !== 'POST' && method !== 'PUT' && method !== 'DELETE' && method !== 'TRACE' && method !== 'OPTIONS') return undefined;
    if (resource.kind === 'program') ctx.permissions = { ...ctx.permissions, post: true };
    // No 411 here: it belongs to the handlers that use a body (handlers/cgi.ts, handlers/put.ts),
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
