/**
 * Measuring one scenario on one running server, a piece at a time so the schedule can
 * interleave servers: probe one request (a server answering wrongly is reported, not
 * benchmarked), one load run (holding idle connections for S7), and the summary of the
 * runs with their medians.
 */
import { IdleConnections, type OpenReport } from './idle.js';
import type { LoadGenerator, LoadResult } from './load.js';
import { probe } from './net.js';
import type { Medians, ScenarioOutcome } from './results.js';
import type { Scenario, ScenarioLoad } from './scenarios.js';
import type { RunningServer } from './server.js';
import { SMALL_PATH, SMALL_SIZE } from './fixtures.js';

export interface IdleHeld extends OpenReport {
  readonly closedByServer: number;
}

export interface MeasuredRun {
  readonly result: LoadResult;
  readonly idle: IdleHeld | undefined;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function medianLatency(runs: readonly LoadResult[], key: 'p50' | 'p99'): number | undefined {
  const values = runs.map((run) => run.latencyMs?.[key]);
  if (values.length === 0 || values.some((value) => value === undefined)) return undefined;
  return median(values as number[]);
}

function medians(runs: readonly LoadResult[]): Medians {
  return {
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    megabytesPerSecond: median(runs.map((run) => run.megabytesPerSecond)),
    p50Ms: medianLatency(runs, 'p50'),
    p99Ms: medianLatency(runs, 'p99'),
  };
}

/** Socket errors plus answers whose status is not the expected one. */
function failedRequests(run: LoadResult, load: ScenarioLoad): number {
  const { connect, read, write, timeout, status } = run.errors;
  // wrk counts statuses >= 400 (autocannon: non-2xx); for an expected 404 the rest are wrong.
  const wrongStatus = load.expectStatus >= 400 ? Math.max(0, run.requests - status) : status;
  return connect + read + write + timeout + wrongStatus;
}

/** One request before loading: undefined when the answer is right, else what is wrong. */
export async function checkAnswer(server: RunningServer, load: ScenarioLoad): Promise<string | undefined> {
  try {
    const answer = await probe(server.port, load.path, { ...load.headers });
    if (answer.status !== load.expectStatus) return `probe GET ${load.path}: status ${answer.status}, expected ${load.expectStatus}`;
    if (load.expectStatus === 200 && load.path === SMALL_PATH && answer.bytes !== SMALL_SIZE) {
      return `probe GET ${load.path}: ${answer.bytes} bytes, expected ${SMALL_SIZE}`;
    }
    return undefined;
  } catch (error) {
    return `probe GET ${load.path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** One load run of `seconds`, with the scenario's idle connections held around it. */
export async function runLoad(
  server: RunningServer,
  load: ScenarioLoad,
  generator: LoadGenerator,
  seconds: number,
  idleConnections: number,
  onStage: (stage: string) => void,
): Promise<MeasuredRun> {
  let idle: IdleConnections | undefined;
  try {
    let opened: OpenReport | undefined;
    if (load.idleConnections) {
      onStage(`opening ${idleConnections} idle connections`);
      idle = new IdleConnections(server.port, SMALL_PATH);
      opened = await idle.open(idleConnections);
    }
    onStage(`${seconds} s`);
    const result = await generator.run({ ...load, port: server.port, durationSeconds: seconds });
    const held = opened && idle ? { ...opened, opened: idle.openCount, closedByServer: idle.closedCount } : undefined;
    return { result, idle: held };
  } finally {
    await idle?.closeAll();
  }
}

function combineIdle(runs: readonly MeasuredRun[]): IdleHeld | undefined {
  const held = runs.map((run) => run.idle).filter((idle): idle is IdleHeld => idle !== undefined);
  const first = held[0];
  if (first === undefined) return undefined;
  return {
    requested: first.requested,
    // The fewest still open at the end of a run, and every close the server made.
    opened: Math.min(...held.map((idle) => idle.opened)),
    stoppedBy: held.find((idle) => idle.stoppedBy !== undefined)?.stoppedBy,
    closedByServer: held.reduce((sum, idle) => sum + idle.closedByServer, 0),
  };
}

export function summarize(scenario: Scenario, peer: string, runs: readonly MeasuredRun[], failure: string | undefined): ScenarioOutcome {
  const base = { scenario: scenario.id, title: scenario.title, metric: scenario.metric, peer };
  const results = runs.map((run) => run.result);
  const expected = scenario.expectStatusFor?.[peer];
  const load = scenario.load === undefined || expected === undefined ? scenario.load : { ...scenario.load, expectStatus: expected };
  if (load === undefined) return { ...base, status: 'skipped', reason: scenario.skipReason ?? 'skipped', runs: [], errors: 0 };
  if (failure !== undefined) return { ...base, status: 'failed', reason: failure, runs: results, errors: 0 };
  const errors = results.reduce((sum, run) => sum + failedRequests(run, load), 0);
  const idle = combineIdle(runs);
  return { ...base, status: 'ok', runs: results, median: medians(results), errors, ...(idle ? { idle } : {}) };
}
