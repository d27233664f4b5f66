/**
 * Which content coding to send, from the client's Accept-Encoding (RFC 9110 section 12.5.3)
 * and the codings the server can offer, in the server's order of preference.
 *
 * - No Accept-Encoding: identity (as nginx and Apache do, though the RFC would allow any).
 * - A coding is acceptable with the q of its own entry, else of `*`, else not at all.
 * - identity is acceptable unless `identity;q=0`, or `*;q=0` without an identity entry.
 * - The highest q wins; among equals the server's order decides, and a coding beats identity
 *   (a client that lists gzip wants it).
 * Malformed entries are skipped (syntax.ts parseWeightedList is lenient); never throws.
 */
import { parseWeightedList } from '../../http/syntax.js';

export type ContentCoding = 'br' | 'gzip';

/** `x-gzip` is gzip (RFC 9110 section 8.4.1.3). */
function canonicalCoding(name: string): string {
  return name === 'x-gzip' ? 'gzip' : name;
}

export function chooseCoding(acceptEncoding: string | undefined, offered: readonly ContentCoding[]): ContentCoding | undefined {
  if (acceptEncoding === undefined || offered.length === 0) return undefined;
  const q = new Map<string, number>();
  for (const item of parseWeightedList(acceptEncoding)) {
    const name = canonicalCoding(item.value);
    // A repeated entry: the first one counts.
    if (!q.has(name)) q.set(name, item.q);
  }
  const star = q.get('*');
  const identityQ = q.get('identity') ?? (star === 0 ? 0 : 1);
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const coding of offered) {
    const codingQ = q.get(coding) ?? star ?? 0;
    if (codingQ > bestQ) {
      best = coding;
      bestQ = codingQ;
    }
  }
  if (best === undefined || bestQ < identityQ) return undefined;
  return best;
}

/** The same choice, remembered per distinct header value (clients send a handful of them). */
export class CodingChooser {
  readonly #memo = new Map<string, ContentCoding | 'identity'>();

  constructor(
    private readonly offered: readonly ContentCoding[],
    private readonly maxEntries = 256,
  ) {}

  choose(acceptEncoding: string | undefined): ContentCoding | undefined {
    if (acceptEncoding === undefined) return undefined;
    const known = this.#memo.get(acceptEncoding);
    if (known !== undefined) return known === 'identity' ? undefined : known;
    const chosen = chooseCoding(acceptEncoding, this.offered);
    // Bounded: a client inventing header values cannot grow it.
    if (this.#memo.size >= this.maxEntries) this.#memo.clear();
    this.#memo.set(acceptEncoding, chosen ?? 'identity');
    return chosen;
  }
}
