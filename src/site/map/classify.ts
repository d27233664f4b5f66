/**
 * Stage `classify`: the end of the map. What the earlier stages found becomes one typed
 * resource (resource.ts) that the guard judges and that chooses the handler: a static file, a
 * CGI program (decided here, once), a directory, an answer negotiation decided on, or nothing.
 * A static file takes no path after its name (Apache's AcceptPathInfo default), and a file
 * named with a trailing slash is not that file: both are missing.
 */
import { isCgiProgram } from '../handlers/cgi.js';
import type { Resource } from '../resource.js';
import type { Stage } from '../stage.js';

export const classifyStage: Stage = {
  name: 'classify',
  run(ctx) {
    // Every path reaching here was parsed and resolved (OPTIONS * is answered by `virtual`).
    const path = ctx.path;
    const target = ctx.target;
    const requested = ctx.requested;
    if (path === undefined || target === undefined || requested === undefined) throw new Error('classify ran before the path was resolved');
    const trailingPath = ctx.trailingPath;
    let resource: Resource;
    if (ctx.decided !== undefined) {
      resource = { kind: 'decided', path, requested, trailingPath, response: ctx.decided };
    } else if (target.kind === 'directory') {
      resource = { kind: 'directory', path, requested, trailingPath, directory: target };
    } else if (target.kind === 'missing') {
      resource = { kind: 'missing', path, requested, trailingPath };
    } else if (isCgiProgram(ctx.site.config, target)) {
      resource = { kind: 'program', path, requested, trailingPath, file: target, indexOf: ctx.indexOf };
    } else if (trailingPath !== '' || (ctx.indexOf === undefined && path.path.endsWith('/'))) {
      resource = { kind: 'missing', path, requested, trailingPath };
    } else {
      resource = { kind: 'file', path, requested, trailingPath, file: target, variant: ctx.variant, indexOf: ctx.indexOf };
    }
    ctx.resource = resource;
    return undefined;
  },
};
