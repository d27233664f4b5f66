/**
 * Stage `target`: the request-target's path, percent-decoded once and with dot segments
 * removed (docs/serve.md, URLs, files and media types); a path that could leave the root is refused here. `*`
 * (OPTIONS only, RFC 9112 section 3.2.4) has no path.
 */
import type { Stage } from '../stage.js';
import { parseRequestPath } from '../url-path.js';

export const targetStage: Stage = {
  name: 'target',
  run(ctx) {
    const pathAndQuery = ctx.request.pathAndQuery;
    if (pathAndQuery !== '*') ctx.path = parseRequestPath(pathAndQuery);
    return undefined;
  },
};
