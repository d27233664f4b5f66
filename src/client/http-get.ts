/**
 * `porta get URL`: one request (or a chain of redirects with -L, and one Digest retry per
 * request with -u), the body to output, and on request the heads (-i, -I) and a trace of the
 * exchange (-v) curl style.
 */
import type { Writable } from 'node:stream';
import { challengesOf } from './auth-challenges.js';
import { basicAuthorization, chooseDigest, digestAuthorization, type DigestChallenge } from './authorization.js';
import { ClientFailure, OutputFailure } from './client-failure.js';
import { exchange } from './http-exchange.js';
import { formatResponseHead, formatTrailers, prefixLines } from './http-head-format.js';
import type { HttpField, ResponseHead } from './http-message.js';
import { MAX_REDIRECTS, redirectFields, redirectMethod, redirectTarget } from './http-redirect.js';
import { formatRequestHead, requestFields } from './http-request.js';
import { sameOrigin, targetOf, type HttpTarget } from './http-target.js';
import { bodyLength, type RequestBody } from './request-body.js';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface HttpGetOptions {
  readonly target: HttpTarget;
  /** GET unless -X; -I makes it HEAD; -d POST; -T PUT. */
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
  /** Body (and heads with -i) go here: standard output, or the -o file. */
  readonly output: Writable;
  /** -v output goes here. */
  readonly diagnostics: Writable;
  /** -d or -T content, and the Content-Type to announce with it (-d's form type). */
  readonly body?: RequestBody | undefined;
  readonly contentType?: string | undefined;
  /** -u: Basic at once, Digest when a 401 asks for it; sent only to the URL's origin. */
  readonly credentials?: Credentials | undefined;
  /** -k: accept any TLS certificate. */
  readonly insecure?: boolean;
  /** --fail: a final status of 400 or more prints nothing and fails ('http-status'). */
  readonly failOnError?: boolean;
}

type Next = { readonly kind: 'redirect'; readonly url: URL } | { readonly kind: 'digest'; readonly challenge: DigestChallenge };

/**
 * Resolves with the final response head; rejects with a ClientFailure, or an OutputFailure
 * when the output could not be written (its reader gone, a full disk).
 */
export async function httpGet(options: HttpGetOptions): Promise<ResponseHead> {
  const { output, diagnostics, verbose } = options;
  const note = (line: string): void => {
    if (verbose) diagnostics.write(`* ${line}\n`);
  };
  // The output's errors are ours while we run: the exchange in progress stops at once.
  const abort = new AbortController();
  let outputError: Error | undefined;
  const onOutputError = (error: Error): void => {
    outputError ??= error;
    abort.abort(new OutputFailure(error));
  };
  output.on('error', onOutputError);
  /** Heads for -i; a standard output backed by a file writes synchronously and may throw. */
  const show = (text: string): void => {
    try {
      output.write(text);
    } catch (error) {
      onOutputError(error as Error);
    }
  };

  let target = options.target;
  let method = options.method;
  let body = options.body;
  let userFields = [...options.fields];
  let digest: DigestChallenge | undefined;
  let digestTried = false;
  try {
    for (let redirects = 0; ; ) {
      const credentials = credentialsFor(target, options);
      const authorization = authorizationFor(credentials, digest, method, target);
      const content = body === undefined ? undefined : { length: bodyLength(body), type: options.contentType };
      const head = formatRequestHead(method, target, requestFields(method, target, userFields, { authorization, content }));
      let next: Next | undefined;
      let refused: ResponseHead | undefined;

      const response = await exchange(
        { target, method, head, timeoutMs: options.timeoutMs, body, insecure: options.insecure === true, signal: abort.signal },
        {
          onConnected(address, tls) {
            if (!verbose) return;
            diagnostics.write(`* Connected to ${target.hostname} (${address}) port ${target.port}\n`);
            if (tls !== undefined) note(`TLS: ${tls}`);
            diagnostics.write(prefixLines(head, '> '));
          },
          onInformational(interim) {
            if (verbose) diagnostics.write(prefixLines(formatResponseHead(interim), '< '));
            if (options.includeHead) show(formatResponseHead(interim));
          },
          onHead(final) {
            if (verbose) diagnostics.write(prefixLines(formatResponseHead(final), '< '));
            next = nextStep(final);
            // curl --fail: nothing of a failed response is printed, not even with -i.
            if (!next && options.failOnError === true && final.status >= 400) {
              refused = final;
              return undefined;
            }
            if (options.includeHead) show(formatResponseHead(final));
            // A redirect's or challenge's own body is a note for browsers; not worth waiting for.
            return next ? undefined : output;
          },
          onTrailers(fields) {
            if (options.includeHead) show(formatTrailers(fields));
          },
        },
      );
      if (outputError) throw new OutputFailure(outputError);
      if (refused) throw new ClientFailure(`${target.url.href}: the server answered ${refused.status}${refused.reason === '' ? '' : ` ${refused.reason}`}`, 'http-status');
      const step = next as Next | undefined;
      if (!step) return response;

      if (step.kind === 'digest') {
        note(`${response.status} asks for Digest (${step.challenge.algorithm}, realm "${step.challenge.realm}"): sending the request again with it`);
        digest = step.challenge;
        continue;
      }
      if (++redirects > MAX_REDIRECTS) throw new ClientFailure(`too many redirects (more than ${MAX_REDIRECTS}), last to ${step.url.href}`);
      const nextTarget = followable(step.url, response.status);
      note(`${response.status} redirect to ${step.url.href}`);
      userFields = redirectFields(userFields, target.url, step.url);
      const nextMethod = redirectMethod(response.status, method);
      // A POST turned into GET leaves its content behind, and 303 always does: it names
      // another resource to GET (RFC 9110 §15.4.4).
      if (nextMethod !== method || response.status === 303) body = undefined;
      method = nextMethod;
      target = nextTarget;
      digest = undefined;
      digestTried = false;
    }
  } catch (error) {
    if (outputError) throw new OutputFailure(outputError);
    throw error;
  } finally {
    output.off('error', onOutputError);
  }

  /** Where a response leads: a redirect to follow (-L), a Digest challenge to answer (-u), or nowhere. */
  function nextStep(final: ResponseHead): Next | undefined {
    if (final.status === 401 && !digestTried && credentialsFor(target, options) !== undefined) {
      const chosen = chooseDigest(challengesOf(final.fields));
      if (typeof chosen === 'string') note(chosen);
      if (typeof chosen === 'object') {
        digestTried = true;
        return { kind: 'digest', challenge: chosen };
      }
    }
    const url = options.followRedirects ? redirectTarget(final, target.url) : undefined;
    return url ? { kind: 'redirect', url } : undefined;
  }
}

/**
 * -u credentials go to the origin of the URL given only, as with curl (a redirect
 * elsewhere must not collect them); credentials written in a URL belong to that URL.
 */
function credentialsFor(target: HttpTarget, options: HttpGetOptions): Credentials | undefined {
  if (options.credentials !== undefined && sameOrigin(target.url, options.target.url)) return options.credentials;
  return target.credentials;
}

function authorizationFor(credentials: Credentials | undefined, digest: DigestChallenge | undefined, method: string, target: HttpTarget): string | undefined {
  if (credentials === undefined) return undefined;
  if (digest !== undefined) return digestAuthorization(digest, { ...credentials, method, uri: target.requestTarget });
  return basicAuthorization(credentials.user, credentials.password);
}

function followable(url: URL, status: number): HttpTarget {
  try {
    return targetOf(url);
  } catch (error) {
    throw new ClientFailure(`cannot follow the ${status} redirect to ${(error as Error).message}`);
  }
}
