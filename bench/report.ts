/**
 * The end of a run: the scenario x server table (req/s or MB/s, p99, ratio to the
 * scenario's reference from the same run, porta's share of the ceiling, failed requests,
 * n/a reasons), the multi-core table, the memory figures, the targets, every server's
 * command line and config file; and the JSON and SVG chart in bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import { CEILING_PEER, rate, ratioBetween, ratioToReference } from './figures.js';
import { REPO_ROOT } from './peers.js';
import type { BenchResults, MemoryOutcome, ScenarioOutcome, ServerSetup } from './results.js';
import { judgeTargets } from './targets.js';
import { formatFixed, formatInteger, renderTable } from './table.js';

const MULTICORE_ID = 'MC';

/** Other processes above this share of the CPUs make a run noisy. */
const BUSY_WARNING_PERCENT = 10;

function rateCell(outcome: ScenarioOutcome): string {
  const value = rate(outcome);
  if (value === undefined) return '-';
  return outcome.metric === 'megabytes' ? `${formatInteger(value)} MB/s` : `${formatInteger(value)} req/s`;
}

function ratioCell(outcome: ScenarioOutcome, all: readonly ScenarioOutcome[]): string {
  const ratio = ratioToReference(all, outcome.scenario, outcome.peer);
  return ratio === undefined ? '-' : formatFixed(ratio, 2);
}

/** porta's row: its share of what the raw node:net server reached in the same scenario. */
function ceilingNote(outcome: ScenarioOutcome, all: readonly ScenarioOutcome[]): string {
  if (outcome.peer !== 'porta') return '';
  const share = ratioBetween(all, outcome.scenario, outcome.peer, CEILING_PEER);
  return share === undefined ? '' : `${formatFixed(share, 2)} of ceiling`;
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

function rowNote(outcome: ScenarioOutcome, all: readonly ScenarioOutcome[]): string {
  if (outcome.status === 'failed') return `FAILED: ${outcome.reason ?? ''}`;
  if (outcome.status === 'n/a') return `n/a (${outcome.reason ?? ''})`;
  return [ceilingNote(outcome, all), outcome.scenario === 'S7' ? s7Note(outcome, all) : '', outcome.note ?? ''].filter((part) => part !== '').join('; ');
}

function scenarioRows(results: BenchResults, multicore: boolean): string[][] {
  const rows: string[][] = [];
  for (const outcome of results.scenarios) {
    if (outcome.status === 'skipped') continue;
    if ((outcome.scenario === MULTICORE_ID) !== multicore) continue;
    rows.push([
      outcome.scenario,
      outcome.peer,
      rateCell(outcome),
      outcome.median?.p99Ms === undefined ? '-' : formatFixed(outcome.median.p99Ms, 2),
      ratioCell(outcome, results.scenarios),
      outcome.status === 'ok' ? formatInteger(outcome.errors) : '-',
      rowNote(outcome, results.scenarios),
    ]);
  }
  return rows;
}

const HEADERS = ['scenario', 'server', 'throughput', 'p99 ms', 'vs ref', 'errors', 'note'];
const ALIGN = ['left', 'left', 'right', 'right', 'right', 'right', 'left'] as const;

function setupLines(setups: readonly ServerSetup[]): string[] {
  const lines: string[] = ['How each server ran (command lines; config files in full):'];
  for (const setup of setups) lines.push(`  ${setup.peer} (${setup.variant}): ${setup.command.join(' ')}`);
  for (const setup of setups) {
    if (setup.configText === undefined) continue;
    lines.push('', `--- ${setup.peer} (${setup.variant}) ${setup.configPath ?? ''}`, setup.configText.trimEnd(), '---');
  }
  return lines;
}

function targetLines(results: BenchResults): string[] {
  const rows = judgeTargets(results).map((verdict) => [verdict.target, verdict.met === undefined ? 'not measured' : verdict.met ? 'met' : 'NOT MET', verdict.figure]);
  return [renderTable(['target (porta)', 'verdict', 'figure (median)'], rows, ['left', 'left', 'right'])];
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
  const rows = scenarioRows(results, false);
  if (rows.length > 0) lines.push('', renderTable(HEADERS, rows, ALIGN));
  const multicoreRows = scenarioRows(results, true);
  if (multicoreRows.length > 0) {
    lines.push('', `Multi-core (${results.machine.cpus} CPUs, servers and load generator unpinned; they share the CPUs):`, renderTable(HEADERS, multicoreRows, ALIGN));
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
  lines.push('', ...targetLines(results));
  lines.push('', ...setupLines(results.setups));
  lines.push('');
  lines.push('vs ref: ratio to nginx in the same run (to Apache for S6 and S8, which nginx cannot serve); ceiling = node-net-ceiling');
  lines.push('throughput: median req/s (MB/s for S3, MB = 2^20 bytes); errors: failed or wrong-status requests over all runs');
  lines.push('p99: median over runs; none for pipelined S4 with wrk (it times a whole batch and its percentiles break)');
  return `${lines.join('\n')}\n`;
}

export interface Written {
  readonly json: string;
  readonly chart: string;
}

/**
 * Writes bench/results/<ISO date-time>.json and .svg (git-ignored scratch files); a full run
 * also copies them over the committed latest.json and latest.svg.
 */
export function writeResults(results: BenchResults, updateLatest: boolean): Written {
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const name = results.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const chart = renderChart(results);
  writeFileSync(join(dir, `${name}.json`), json);
  writeFileSync(join(dir, `${name}.svg`), chart);
  if (updateLatest) {
    writeFileSync(join(dir, 'latest.json'), json);
    writeFileSync(join(dir, 'latest.svg'), chart);
  }
  return { json: join(dir, `${name}.json`), chart: join(dir, `${name}.svg`) };
}
