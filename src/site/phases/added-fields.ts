/**
 * Phase `added-fields`: the operator's own fields for this path (response-fields.ts), set
 * aside now and added to the answer if its status takes them. Costs one check when none are
 * configured.
 */
import type { Phase } from '../pipeline.js';
import { fieldsForPath } from '../response-fields.js';

export const addedFieldsPhase: Phase = {
  name: 'added-fields',
  run(ctx) {
    const rules = ctx.site.config.addedFields;
    if (rules.length === 0 || ctx.path === undefined) return undefined;
    ctx.successFields = fieldsForPath(rules, ctx.path.path);
    return undefined;
  },
};
