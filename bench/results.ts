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
  /** n/a: the server cannot serve this scenario (yet), with the reason; failed: it broke under load. */
  readonly status: 'ok' | 'failed' | 'skipped' | 'n/a';
  readonly reason?: string;
  /** What the probe saw that a reader should know (S10: bytes sent and the coding). */
  readonly note?: string;
  readonly runs: readonly LoadResult[];
  /** Median of each figure over the measured runs (each figure on its own). */
  readonly median?: Medians;
  /** Failed requests over all measured runs: socket errors plus unexpected statuses. */
  readonly errors: number;
  /** S7: what the harness held open during the load. */
  readonly idle?: OpenReport & { readonly closedByServer: number };
}

/** How a server was run: the exact command line and the config file's text, if it has one. */
export interface ServerSetup {
  readonly peer: string;
  readonly variant: string;
  readonly command: readonly string[];
  readonly configPath?: string;
  readonly configText?: string;
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
  readonly setups: readonly ServerSetup[];
  readonly scenarios: readonly ScenarioOutcome[];
  readonly memory: readonly MemoryOutcome[];
}
