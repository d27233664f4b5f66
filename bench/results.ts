/**
 * The shape of what one bench run found: written as JSON to bench/results/ and printed as
 * a table by report.ts.
 */
import type { LoadResult } from './load.js';
import type { OpenReport } from './idle.js';
import type { Metric } from './scenarios.js';

export interface PeerOutcome {
  readonly name: string;
  readonly what: string;
  readonly status: 'ran' | 'absent' | 'failed' | 'not selected';
  readonly reason?: string;
}

export interface Medians {
  readonly requestsPerSecond: number;
  readonly megabytesPerSecond: number;
  /** Undefined when a run had no latency figures (pipelined wrk runs). */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

export interface ScenarioOutcome {
  readonly scenario: string;
  readonly title: string;
  readonly metric: Metric;
  readonly peer: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly reason?: string;
  readonly runs: readonly LoadResult[];
  /** Median of each figure over the measured runs (each figure on its own). */
  readonly median?: Medians;
  /** Failed requests over all measured runs: socket errors plus unexpected statuses. */
  readonly errors: number;
  /** S7: what the harness held open during the load. */
  readonly idle?: OpenReport & { readonly closedByServer: number };
}

export interface MemoryOutcome {
  readonly peer: string;
  readonly idleMb: number | undefined;
  readonly withConnections: (OpenReport & { readonly mb: number | undefined }) | undefined;
  readonly reason?: string;
}

export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    readonly platform: string;
    readonly openFilesLimit: string;
    /** Percent of all CPUs busy over 1 s before and after, while the bench ran nothing. */
    readonly busyBefore: number | undefined;
    readonly busyAfter: number | undefined;
  };
  readonly method: {
    readonly loadGenerator: string;
    readonly pinning: string;
    readonly warmupSeconds: number;
    readonly durationSeconds: number;
    readonly runs: number;
    readonly s7IdleConnections: number;
    readonly memoryIdleConnections: number;
  };
  readonly peers: readonly PeerOutcome[];
  readonly scenarios: readonly ScenarioOutcome[];
  readonly memory: readonly MemoryOutcome[];
}
