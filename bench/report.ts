/**
 * The end of a run: the scenario x server table (req/s or MB/s, p99, ratio to nginx from
 * the same run, failed requests), the memory figures, and the JSON file in bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_PEER, REPO_ROOT } from './peers.js';
import type { BenchResults, MemoryOutcome, ScenarioOutcome } from './results.js';
import { formatFixed, formatInteger, renderTable } from './table.js';

/** Other processes above this share of the CPUs make a run noisy. */
const BUSY_WARNING_PERCENT = 10;

function rate(outcome: ScenarioOutcome): number | undefined {
  if (outcome.median === undefined) return undefined;
  return outcome.metric === 'megabytes' ? outcome.median.megabytesPerSecond : outcome.median.requestsPerSecond;
}

function rateCell(outcome: ScenarioOutcome): string {
  const value = rate(outcome);
  if (value === undefined) return '-';
  return outcome.metric === 'megabytes' ? `${formatInteger(value)} MB/s` : `${formatInteger(value)} req/s`;
}

function ratioCell(outcome: ScenarioOutcome, all: readonly ScenarioOutcome[]): string {
  const reference = all.find((other) => other.scenario === outcome.scenario && other.peer === REFERENCE_PEER);
  const mine = rate(outcome);
  const theirs = reference === undefined ? undefined : rate(reference);
  if (mine === undefined || theirs === undefined || theirs === 0) return '-';
  return formatFixed(mine / theirs, 2);
}

/** S7's point: its p99 against the same server's S1 p99 (target: within 1.5x). */
function s7Note(outcome: ScenarioOutcome, all: readonly ScenarioOutcome[]): string {
  const parts: string[] = [];
  const s1 = all.find((other) => other.scenario === 'S1' && other.peer === outcome.peer);
  const p99 = outcome.median?.p99Ms;
  const s1p99 = s1?.median?.p99Ms;
  if (p99 !== undefined && s1p99 !== undefined && s1p99 > 0) {
    parts.push(`p99 ${formatFixed(p99 / s1p99, 2)}x S1`);
  }
  if (outcome.idle !== undefined) {
    const { opened, requested, closedByServer, stoppedBy } = outcome.idle;
    parts.push(`${opened}/${requested} idle held${stoppedBy ? ` (stopped: ${stoppedBy})` : ''}, ${closedByServer} closed by server`);
  }
  return parts.join('; ');
}

/** S6's point: porta's negotiated rate against its own S1 (target >= 0.9); nginx's is a 404. */
function s6Note(outcome: ScenarioOutcome, all: readonly ScenarioOutcome[]): string {
  if (outcome.peer === REFERENCE_PEER) return '404 reference (no negotiation)';
  const s1 = all.find((other) => other.scenario === 'S1' && other.peer === outcome.peer);
  const mine = rate(outcome);
  const own = s1 === undefined ? undefined : rate(s1);
  return mine === undefined || own === undefined || own === 0 ? '' : `${formatFixed(mine / own, 2)}x own S1`;
}

function scenarioRows(results: BenchResults): string[][] {
  const rows: string[][] = [];
  for (const outcome of results.scenarios) {
    if (outcome.status === 'skipped') continue;
    const note =
      outcome.status === 'failed'
        ? `FAILED: ${outcome.reason ?? ''}`
        : outcome.scenario === 'S7'
          ? s7Note(outcome, results.scenarios)
          : outcome.scenario === 'S6'
            ? s6Note(outcome, results.scenarios)
            : '';
    rows.push([
      outcome.scenario,
      outcome.peer,
      rateCell(outcome),
      outcome.median?.p99Ms === undefined ? '-' : formatFixed(outcome.median.p99Ms, 2),
      ratioCell(outcome, results.scenarios),
      outcome.status === 'ok' ? formatInteger(outcome.errors) : '-',
      note,
    ]);
  }
  return rows;
}

function megabytes(value: number | undefined): string {
  return value === undefined ? '-' : formatFixed(value, 1);
}

function memoryRows(memory: readonly MemoryOutcome[]): string[][] {
  return memory.map((outcome) => {
    const held = outcome.withConnections;
    const grown = held?.mb !== undefined && outcome.idleMb !== undefined ? held.mb - outcome.idleMb : undefined;
    const perConnection = grown !== undefined && held !== undefined && held.opened > 0 ? `${formatFixed((grown * 1024) / held.opened, 1)} KB` : '-';
    const note = [
      held !== undefined && held.opened < held.requested ? `only ${held.opened}/${held.requested} opened${held.stoppedBy ? ` (${held.stoppedBy})` : ''}` : '',
      outcome.reason ?? '',
    ]
      .filter((part) => part !== '')
      .join('; ');
    return [
      outcome.peer,
      megabytes(outcome.idleMb),
      held === undefined ? '-' : formatInteger(held.opened),
      megabytes(held?.mb),
      grown === undefined ? '-' : `+${formatFixed(grown, 1)}`,
      perConnection,
      note,
    ];
  });
}

export function renderReport(results: BenchResults): string {
  const { method } = results;
  const lines: string[] = [];
  lines.push(
    `porta bench ${results.startedAt}: ${method.loadGenerator}; ${method.pinning}; ` +
      `warm-up ${method.warmupSeconds} s, median of ${method.runs} x ${method.durationSeconds} s`,
  );
  const busy = Math.max(results.machine.busyBefore ?? 0, results.machine.busyAfter ?? 0);
  if (busy >= BUSY_WARNING_PERCENT) {
    lines.push(`  WARNING: other work kept ${formatFixed(busy, 0)}% of the CPUs busy around this run: absolute numbers are unreliable, ratios less so`);
  }
  for (const peer of results.peers) {
    if (peer.status === 'absent') lines.push(`  skipped ${peer.name}: ${peer.reason ?? 'absent'}`);
    if (peer.status === 'failed') lines.push(`  ${peer.name}: FAILED TO START: ${peer.reason ?? ''}`);
  }
  const rows = scenarioRows(results);
  if (rows.length > 0) {
    lines.push('');
    lines.push(
      renderTable(
        ['scenario', 'server', 'throughput', 'p99 ms', `vs ${REFERENCE_PEER}`, 'errors', 'note'],
        rows,
        ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
      ),
    );
  }
  const skipped = new Map<string, string>();
  for (const outcome of results.scenarios) {
    if (outcome.status === 'skipped') skipped.set(outcome.scenario, `${outcome.scenario} ${outcome.title}: ${outcome.reason ?? 'skipped'}`);
  }
  for (const line of skipped.values()) lines.push(`  ${line}`);
  if (results.memory.length > 0) {
    lines.push('');
    lines.push(
      renderTable(
        ['memory', 'idle MB', 'idle conns', 'MB with them', 'growth MB', 'per conn', 'note'],
        memoryRows(results.memory),
        ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
      ),
    );
  }
  lines.push('');
  lines.push('throughput: median req/s (MB/s for S3, MB = 2^20 bytes); errors: failed or wrong-status requests over all runs');
  lines.push('p99: median over runs; none for pipelined S4 with wrk (it times a whole batch and its percentiles break)');
  return `${lines.join('\n')}\n`;
}

/** Writes bench/results/<ISO date-time>.json and returns its path. */
export function writeResults(results: BenchResults): string {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const name = `${results.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`;
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
