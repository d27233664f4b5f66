/**
 * What a load generator is asked to do and what it reports, whichever one runs (wrk or
 * the autocannon fallback).
 */

export interface LoadSpec {
  readonly port: number;
  readonly path: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Requests written back to back per connection (1 = no pipelining). */
  readonly pipeline: number;
  readonly method: 'GET' | 'PUT';
  /** Bytes of request body per request (PUT), 0 for none. */
  readonly bodyBytes: number;
  readonly tls: boolean;
  /** Multi-core scenario: the generator runs unpinned with a thread per CPU. */
  readonly multicore: boolean;
}

export interface LoadErrors {
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly timeout: number;
  /** Responses with an error status (wrk: >= 400; autocannon: not 2xx). */
  readonly status: number;
}

export interface LatencyMs {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly bytes: number;
  readonly requestsPerSecond: number;
  /** MB = 2^20 bytes, headers included. */
  readonly megabytesPerSecond: number;
  /**
   * Undefined when the generator cannot measure it meaningfully: wrk times a pipelined
   * batch as one sample and its coordinated-omission correction then breaks percentiles.
   */
  readonly latencyMs: LatencyMs | undefined;
  readonly errors: LoadErrors;
}

export interface LoadGenerator {
  readonly name: string;
  readonly version: string;
  readonly run: (spec: LoadSpec) => Promise<LoadResult>;
}

export const MB = 1024 * 1024;

/** Seconds a load run may overrun its duration before it is killed. */
export const OVERRUN_SECONDS = 20;
