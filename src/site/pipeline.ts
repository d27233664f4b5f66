/**
 * The phase runner. A phase looks at the request context and either answers (a response),
 * or hands on (undefined), possibly after waiting (a promise of either). Phases run
 * synchronously, one after the other, until one has to wait: a cached file is answered
 * without a single promise, and only a phase that needs the disk turns the rest of the run
 * asynchronous.
 */
import type { HttpResponse } from '../http/response.js';
import type { RequestContext } from './context.js';
import type { MaybePromise } from '../maybe-async.js';

export type PhaseResult = HttpResponse | undefined;

export interface Phase {
  /** Short name, for the design notes and the tests of the order. */
  readonly name: string;
  run(ctx: RequestContext): MaybePromise<PhaseResult>;
}

/** Runs `phases` from `start` until one answers. The last phase must always answer. */
export function runPhases(phases: readonly Phase[], ctx: RequestContext, start = 0): MaybePromise<HttpResponse> {
  for (let i = start; i < phases.length; i++) {
    const result = (phases[i] as Phase).run(ctx);
    if (result === undefined) continue;
    if (result instanceof Promise) {
      const next = i + 1;
      return result.then((answer) => (answer === undefined ? runPhases(phases, ctx, next) : answer));
    }
    return result;
  }
  throw new Error(`no phase answered ${ctx.request.method} ${ctx.request.target}`);
}
