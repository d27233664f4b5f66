/**
 * Compression's global budget, one per process (sites share it unless given their own): at most `concurrency` compressions at once
 * (a short queue, then identity), and the compressed copies kept in a least-recently-used
 * cache of ENCODED_BUDGET_BYTES, keyed by the file's identity (path, size, mtime, inode)
 * and the coding, so a changed file is compressed afresh and never served stale.
 */
import { availableParallelism } from 'node:os';
import type { ContentCoding } from './accept-encoding.js';
import { ByteBudgetLru } from './byte-budget-lru.js';
import { CompressionGate, type GateLimits } from './compression-gate.js';
import { compress } from './encoders.js';

/** All compressed copies together. */
export const ENCODED_BUDGET_BYTES = 32 * 1024 * 1024;
/** What a "no smaller than the file" answer costs to remember (the key and the entry). */
const VERDICT_COST = 128;

/**
 * As many compressions as cores, at least 2, and never more than libuv's pool less two
 * threads (4 by default, UV_THREADPOOL_SIZE), where file reads and opens also run.
 */
function defaultLimits(): GateLimits {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const concurrency = Math.max(2, Math.min(availableParallelism(), pool - 2));
  // At about 5 ms per 250 KiB, a queue of 4 per slot is 20 ms of work: a short wait.
  return { concurrency, queueLength: 4 * concurrency, maxWaitMs: 100 };
}

/** Compressed bytes, or null: the coding made the file no smaller (sent as it is). */
export type EncodedBytes = Buffer | null;

/** The compressed copies, each costing its bytes plus what remembering it takes. */
function encodedCache(budgetBytes: number): ByteBudgetLru<EncodedBytes> {
  return new ByteBudgetLru<EncodedBytes>(budgetBytes, (bytes) => VERDICT_COST + (bytes?.length ?? 0));
}

/** The key of one file version in one coding. */
export function encodedKey(fsPath: string, stats: { readonly size: number; readonly mtimeMs: number; readonly ino: number }, coding: ContentCoding): string {
  return `${coding}:${stats.size}:${stats.mtimeMs}:${stats.ino}:${fsPath}`;
}

/** What a budget holds and does now (for diagnostics). */
export interface CompressionBudgetState {
  readonly running: number;
  readonly queued: number;
  readonly cachedBytes: number;
  readonly cachedEntries: number;
  /** Compressions begun since the budget was made. */
  readonly started: number;
  readonly limits: GateLimits;
  readonly budgetBytes: number;
}

export class CompressionBudget {
  /** Slots for compressions running at once, and the short queue before them. */
  readonly gate: CompressionGate;
  readonly #cache: ByteBudgetLru<EncodedBytes>;
  /**
   * Compressions on their way, so that many requests for one file make one copy. Those that
   * join one wait with it: if it never gets a slot (its own client left, or the deadline),
   * they are answered uncompressed too.
   */
  readonly #inFlight = new Map<string, Promise<EncodedBytes | undefined>>();
  #started = 0;

  constructor(limits: Partial<GateLimits> = {}, budgetBytes = ENCODED_BUDGET_BYTES) {
    this.gate = new CompressionGate({ ...defaultLimits(), ...limits });
    this.#cache = encodedCache(budgetBytes);
  }

  /**
   * The compressed copy under `key`: known (bytes, or null when not worth it), on its way,
   * or `undefined` when it cannot be made now (no slot free in time, the client left, or it
   * failed): that request is answered uncompressed, and a later one tries again.
   */
  encoded(key: string, coding: ContentCoding, body: Buffer, clientGone?: () => AbortSignal): EncodedBytes | Promise<EncodedBytes | undefined> | undefined {
    const known = this.#cache.get(key);
    if (known !== undefined) return known;
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const slot = this.gate.enter(clientGone);
    if (slot === null) return undefined;
    const made = (slot instanceof Promise ? slot : Promise.resolve(slot)).then((release) => {
      if (release === null) return undefined;
      this.#started++;
      return compress(coding, body)
        .then(
          (bytes) => {
            // A coding that saves nothing is not worth a Content-Encoding.
            const result = bytes.length < body.length ? bytes : null;
            this.#cache.set(key, result);
            return result;
          },
          () => undefined,
        )
        .finally(release);
    });
    const shared = made.finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, shared);
    return shared;
  }

  state(): CompressionBudgetState {
    const gate = this.gate;
    const cache = this.#cache;
    return { running: gate.running, queued: gate.queued, cachedBytes: cache.bytes, cachedEntries: cache.size, started: this.#started, limits: gate.limits, budgetBytes: cache.budgetBytes };
  }
}

let processBudget: CompressionBudget | undefined;

/** The budget every site of this process shares unless it is given its own. */
export function processCompressionBudget(): CompressionBudget {
  return (processBudget ??= new CompressionBudget());
}
