/**
 * Stage `virtual`: resources that are not files under the root: `OPTIONS *` (RFC 9110
 * section 9.3.7) and, when enabled, the access log at /.well-known/access.log and the
 * health resource (--health PATH).
 */
import type { HttpResponse } from '../../http/response.js';
import { ACCESS_LOG_PATH, accessLogResponse } from '../access-log-resource.js';
import { healthResponse } from '../health-resource.js';
import { IMPLEMENTED_METHODS } from '../methods.js';
import type { Stage } from '../stage.js';

/** OPTIONS * : everything the server implements. */
function optionsAsterisk(traceEnabled: boolean): HttpResponse {
  const methods = IMPLEMENTED_METHODS.filter((m) => traceEnabled || m !== 'TRACE');
  return { status: 200, headers: [['Allow', methods.join(', ')]], body: { kind: 'none' } };
}

export const virtualResourcesStage: Stage = {
  name: 'virtual',
  run(ctx) {
    const config = ctx.site.config;
    const path = ctx.path;
    if (path === undefined) return optionsAsterisk(config.trace);
    if (config.accessLogSnapshot !== undefined && path.path === ACCESS_LOG_PATH) {
      return accessLogResponse(ctx.request, config.accessLogSnapshot, config.trace);
    }
    if (config.healthPath !== undefined && path.path === config.healthPath) return healthResponse(ctx.request, config.trace);
    return undefined;
  },
};
