/**
 * The stage runner. A stage looks at the request context and either answers (a response) or
 * hands on (undefined), possibly after waiting (a promise of either). Stages run
 * synchronously, one after the other, until one has to wait: a cached file is answered
 * without a single promise, and only a stage that needs the disk turns the rest of the run
 * asynchronous.
 */
import type { HttpResponse } from '../http/response.js';
import type { RequestContext } from './context.js';
import type { MaybePromise } from '../maybe-async.js';

export type StageResult = HttpResponse | undefined;

export interface Stage {
  /** Short name, for docs/design.md and the tests of the order. */
  readonly name: string;
  run(ctx: RequestContext): MaybePromise<StageResult>;
}

/** Runs `stages` from `start` until one answers; undefined when none did. */
export function runStages(stages: readonly Stage[], ctx: RequestContext, start = 0): MaybePromise<StageResult> {
  for (let i = start; i < stages.length; i++) {
    const result = (stages[i] as Stage).run(ctx);
    if (result === undefined) continue;
    if (result instanceof Promise) {
      const next = i + 1;
      return result.then((answer) => (answer === undefined ? runStages(stages, ctx, next) : answer));
    }
    return result;
  }
  return undefined;
}
