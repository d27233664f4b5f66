/**
 * Phase `negotiate`: transparent content negotiation (MultiViews, http.md section 6): when
 * the path names no file but variants of it exist, choose one (ctx.target and ctx.variant),
 * or answer 300/406.
 *
 * A seam for now: every request passes. The negotiation issue fills it in.
 */
import type { Phase } from '../pipeline.js';

export const negotiatePhase: Phase = {
  name: 'negotiate',
  run() {
    return undefined;
  },
};
