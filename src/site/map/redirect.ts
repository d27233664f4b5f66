/** Stage `redirect`: the first matching rule of --redirects answers with its status (docs/serve.md). */
import type { Stage } from '../stage.js';
import { applyRedirectRules, redirectResponse } from '../redirects.js';

export const redirectStage: Stage = {
  name: 'redirect',
  run(ctx) {
    const rules = ctx.site.config.redirects;
    const path = ctx.path;
    if (rules.length === 0 || path === undefined) return undefined;
    const redirect = applyRedirectRules(rules, path.path, path.query);
    return redirect === undefined ? undefined : redirectResponse(redirect.status, redirect.location);
  },
};
