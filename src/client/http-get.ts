/**
 * `porta get URL`: one request (or a chain of redirects with -L), the body to output,
 * and on request the heads (-i, -I) and a trace of the exchange (-v) curl style.
 */
import type { Writable } from 'node:stream';
import { ClientFailure } from './client-failure.js';
import { exchange } from './http-exchange.js';
import { formatResponseHead, formatTrailers, prefixLines } from './http-head-format.js';
import type { HttpField, ResponseHead } from './http-message.js';
import { MAX_REDIRECTS, redirectFields, redirectMethod, redirectTarget } from './http-redirect.js';
import { formatRequestHead, requestFields } from './http-request.js';
import { targetOf, type HttpTarget } from './http-target.js';

export interface HttpGetOptions {
  readonly target: HttpTarget;
  /** GET unless -X; -I makes it HEAD. */
  readonly method: string;
  /** -H fields, in order. */
  readonly fields: readonly HttpField[];
  /** -i: print status line and fields before the body (and trailers after it). */
  readonly includeHead: boolean;
  /** -v: the request sent and the head received, on the diagnostics stream. */
  readonly verbose: boolean;
  /** -L: follow redirects, at most MAX_REDIRECTS. */
  readonly followRedirects: boolean;
  readonly timeoutMs: number;
  /** Body (and heads with -i) go here. */
  readonly output: Writable;
  /** -v output goes here. */
  readonly diagnostics: Writable;
}

/** Resolves with the final response head; rejects with a ClientFailure. */
export async function httpGet(options: HttpGetOptions): Promise<ResponseHead> {
  const { output, diagnostics, verbose } = options;
  let target = options.target;
  let method = options.method;
  let userFields = [...options.fields];

  for (let redirects = 0; ; redirects++) {
    const head = formatRequestHead(method, target, requestFields(method, target, userFields));
    let next: URL | undefined;

    const response = await exchange(
      { target, method, head, timeoutMs: options.timeoutMs },
      {
        onConnected(address) {
          if (!verbose) return;
          diagnostics.write(`* Connected to ${target.hostname} (${address}) port ${target.port}\n`);
          diagnostics.write(prefixLines(head, '> '));
        },
        onInformational(interim) {
          if (verbose) diagnostics.write(prefixLines(formatResponseHead(interim), '< '));
          if (options.includeHead) output.write(formatResponseHead(interim));
        },
        onHead(final) {
          if (verbose) diagnostics.write(prefixLines(formatResponseHead(final), '< '));
          if (options.includeHead) output.write(formatResponseHead(final));
          next = options.followRedirects ? redirectTarget(final, target.url) : undefined;
          // A redirect's own body is a note for browsers without -L; not worth waiting for.
          return next ? undefined : output;
        },
        onTrailers(fields) {
          if (options.includeHead) output.write(formatTrailers(fields));
        },
      },
    );

    if (!next) return response;
    if (redirects >= MAX_REDIRECTS) throw new ClientFailure(`too many redirects (more than ${MAX_REDIRECTS}), last to ${next.href}`);
    const nextTarget = followable(next, response.status);
    if (verbose) diagnostics.write(`* ${response.status} redirect to ${next.href}\n`);
    userFields = redirectFields(userFields, target.url, next);
    method = redirectMethod(response.status, method);
    target = nextTarget;
  }
}

function followable(url: URL, status: number): HttpTarget {
  try {
    return targetOf(url);
  } catch (error) {
    throw new ClientFailure(`cannot follow the ${status} redirect to ${(error as Error).message}`);
  }
}
