/** Stage `method`: a method porta does not implement is 501 (RFC 9110 section 9.1), for any target. */
import { HttpError } from '../../http/http-error.js';
import { isImplementedMethod } from '../methods.js';
import type { Stage } from '../stage.js';

export const methodStage: Stage = {
  name: 'method',
  run(ctx) {
    const method = ctx.request.method;
    if (!isImplementedMethod(method)) throw new HttpError(501, `The method ${method} is not implemented by this server.`);
    return undefined;
  },
};
