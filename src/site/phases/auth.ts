/**
 * Phase `auth`: authentication from the governing control file (http.md section 7). It runs
 * after the path is resolved and before method permission, TRACE/OPTIONS, negotiation,
 * preconditions and content, so a protected resource answers 401 to every method before it
 * says anything else about itself.
 *
 * A seam for now: every request passes. The authentication issue fills it in (setting
 * ctx.user and ctx.authType, or answering 401).
 */
import type { Phase } from '../pipeline.js';

export const authPhase: Phase = {
  name: 'auth',
  run() {
    return undefined;
  },
};
