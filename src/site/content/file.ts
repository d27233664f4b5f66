/** Content handler `file`: a selected representation is answered by the range phase (200/206/416). */
import type { ContentHandler } from './handler.js';

export const fileContent: ContentHandler = {
  name: 'file',
  accepts: (ctx) => ctx.selected !== undefined,
  handle: () => undefined,
};
