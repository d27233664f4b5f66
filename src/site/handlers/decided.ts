/** Handler `decided`: the answer the map decided on (a negotiation's 300, 406 or 404), now that the guard admitted it. */
import type { DecidedResource } from '../resource.js';
import type { Handler } from './handler.js';

export const decidedHandler: Handler<DecidedResource> = {
  name: 'decided',
  handle: (_ctx, resource) => resource.response,
};
