/**
 * Filter `added-fields`: the operator's own fields for the request's path (`--header`,
 * `--cache-control`, `--max-age`, per path prefix in the config file; response-fields.ts) on
 * the statuses that take them.
 */
import { fieldsForPath, takesAddedFields } from '../response-fields.js';
import type { ResponseFilter } from './filter.js';

export const addedFieldsFilter: ResponseFilter = {
  name: 'added-fields',
  wanted: (config) => config.addedFields.length > 0,
  fields(ctx, response) {
    const path = ctx.path;
    if (path === undefined || !takesAddedFields(response.status)) return undefined;
    return fieldsForPath(ctx.site.config.addedFields, path.path);
  },
};
