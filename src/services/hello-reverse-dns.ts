/**
 * Reverse DNS for `{host}` with a hard deadline: a missing or slow PTR answer must never
 * hold a greeting up for long, and falls back to the address.
 */
import { Resolver } from 'node:dns/promises';

/** Resolves to the client's name, or undefined when there is none in time. */
export type ReverseLookup = (address: string) => Promise<string | undefined>;

export interface TimedReverseLookup {
  readonly lookup: ReverseLookup;
  /** Abandons lookups in flight (on shutdown). */
  cancel(): void;
}

/**
 * A PTR name is shown to a client verbatim, so only hostname characters are let through
 * (RFC 1123 §2.1 letters, digits, hyphens and dots; underscores occur in the wild).
 */
const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;

/**
 * @param servers DNS servers to ask instead of the system's (`'127.0.0.1:5353'`).
 */
export function createReverseLookup(timeoutMs: number, servers?: readonly string[]): TimedReverseLookup {
  // c-ares' own per-try timeout and a single try; the race below is the hard deadline,
  // covering the time c-ares spends before its first try times out.
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers) resolver.setServers(servers);
  const lookup: ReverseLookup = async (address) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      timer.unref();
    });
    const answer = resolver.reverse(address).then(
      (names) => names.map((name) => name.replace(/\.$/, '')).find((name) => HOSTNAME.test(name)),
      () => undefined,
    );
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { lookup, cancel: () => resolver.cancel() };
}
