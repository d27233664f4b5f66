/**
 * `npm run bench`: starts each server it finds on the shared document root, measures the
 * scenarios of shared/spec/performance.md with wrk (autocannon as fallback), prints the
 * table with ratios to nginx and writes bench/results/<date-time>.json. See bench/README.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { platform } from 'node:os';
import { renderChart } from './chart.js';
import { autocannonVersion, createAutocannon, findAutocannon } from './autocannon.js';
import { createFixtures, type Fixtures } from './fixtures.js';
import type { LoadGenerator } from './load.js';
import { cpuBusyPercent, describeMachine } from './machine.js';
import { median } from './measure.js';
import { measureMemory } from './memory-figures.js';
import { OptionsError, parseBenchOptions, USAGE, type BenchOptions } from './options.js';
import { participation, PEERS, type Peer } from './peers.js';
import { choosePinning, findExecutable, installExitHandlers, runCommand, type Pinning } from './processes.js';
import { Progress } from './progress.js';
import { renderReport, writeResults } from './report.js';
import type { BenchResults, MemoryOutcome, PeerOutcome, ScenarioOutcome } from './results.js';
import { MEMORY_ID, REFERENCE_ROWS, SCENARIOS, type Scenario } from './scenarios.js';
import { runScenario, ServerPool, type Settings } from './schedule.js';
import { startServer } from './server.js';

const PEER_ALIASES: Record<string, string> = { 'sirv-cli': 'sirv', node: 'node-http', 'node:http': 'node-http', apache2: 'apache', httpd: 'apache', ceiling: 'node-net-ceiling' };

async function chooseLoadGenerator(options: BenchOptions, fixtures: Fixtures, pinning: Pinning, progress: Progress): Promise<LoadGenerator> {
  const wrk = options.loadGenerator === 'autocannon' ? undefined : findExecutable('wrk');
  if (wrk !== undefined) {
    const { createWrk, wrkVersion } = await import('./wrk.js');
    return createWrk(wrk, await wrkVersion(wrk), fixtures.scratch, pinning.loadGenerator);
  }
  if (options.loadGenerator === 'wrk') throw new OptionsError('wrk not found (apt-get update && apt-get install -y wrk nginx)');
  const autocannon = findAutocannon();
  if (autocannon === undefined) throw new OptionsError('neither wrk nor autocannon found (apt-get install -y wrk, or npm install)');
  if (options.loadGenerator === undefined) {
    progress.note('wrk not found, using autocannon: lower absolute numbers (apt-get update && apt-get install -y wrk nginx)');
  }
  return createAutocannon(autocannon, autocannonVersion(autocannon), pinning.loadGenerator);
}

function selectPeers(options: BenchOptions): Peer[] {
  if (options.peers === undefined) return [...PEERS];
  const wanted = new Set([...options.peers].map((name) => PEER_ALIASES[name] ?? name));
  const unknown = [...wanted].filter((name) => !PEERS.some((peer) => peer.name === name));
  if (unknown.length > 0) {
    throw new OptionsError(`unknown peer ${unknown.join(', ')} (known: ${PEERS.map((peer) => peer.name).join(', ')})`);
  }
  // The reference rows are never hidden (issue 12): they come with any selection.
  return PEERS.filter((peer) => wanted.has(peer.name) || REFERENCE_ROWS.includes(peer.name));
}

function selectScenarios(options: BenchOptions): { scenarios: Scenario[]; memory: boolean } {
  if (options.only === undefined) return { scenarios: [...SCENARIOS], memory: true };
  const known = new Set([...SCENARIOS.map((scenario) => scenario.id), MEMORY_ID]);
  const unknown = [...options.only].filter((id) => !known.has(id));
  if (unknown.length > 0) throw new OptionsError(`unknown scenario ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  return { scenarios: SCENARIOS.filter((scenario) => options.only?.has(scenario.id)), memory: options.only.has(MEMORY_ID) };
}

async function openFilesLimit(): Promise<string> {
  const output = await runCommand(['sh', '-c', 'ulimit -n'], 5000);
  return output.stdout.trim() || 'unknown';
}

/** The median figure of several memory measurements (each on a fresh server). */
function medianMemory(outcomes: readonly MemoryOutcome[]): MemoryOutcome | undefined {
  const complete = outcomes.filter((outcome) => outcome.withConnections?.mb !== undefined && outcome.idleMb !== undefined);
  if (complete.length === 0) return outcomes[0];
  const growth = (outcome: MemoryOutcome): number => (outcome.withConnections?.mb ?? 0) - (outcome.idleMb ?? 0);
  const sorted = [...complete].sort((a, b) => growth(a) - growth(b));
  const middle = sorted[Math.floor(sorted.length / 2)] as MemoryOutcome;
  const idle = median(complete.map((outcome) => outcome.idleMb ?? 0));
  return { ...middle, idleMb: idle, reason: [middle.reason, `median of ${complete.length} fresh starts`].filter(Boolean).join('; ') };
}

/**
 * Memory figures, one fresh server at a time (before any load has grown its heap). porta's,
 * which the targets judge, is the median of `portaRuns` fresh starts; the others are measured once.
 */
async function memoryPhase(peers: readonly Peer[], connections: number, portaRuns: number, fixtures: Fixtures, pinning: Pinning, progress: Progress): Promise<MemoryOutcome[]> {
  const outcomes: MemoryOutcome[] = [];
  const s1 = SCENARIOS.find((scenario) => scenario.id === 'S1');
  // Static-file servers only: Apache is here for negotiation and CGI, not for holding 10,000 idle connections.
  for (const peer of peers.filter((candidate) => s1 === undefined || participation(candidate, s1) === undefined)) {
    const measured: MemoryOutcome[] = [];
    for (let run = 0; run < (peer.name === 'porta' ? portaRuns : 1); run++) {
      progress.show(`MEM ${peer.name}: starting`);
      const started = await startServer(peer, fixtures, pinning);
      if (started.kind !== 'running') break; // reported when the scenarios start it
      try {
        measured.push(await measureMemory(started.server, connections, progress));
      } finally {
        await started.server.stop();
      }
    }
    const figure = measured.length > 1 ? medianMemory(measured) : measured[0];
    if (figure !== undefined) outcomes.push(figure);
  }
  return outcomes;
}

function skippedOutcomes(scenarios: readonly Scenario[]): ScenarioOutcome[] {
  return scenarios
    .filter((scenario) => scenario.load === undefined)
    .map((scenario) => ({
      scenario: scenario.id,
      title: scenario.title,
      metric: scenario.metric,
      peer: '-',
      status: 'skipped' as const,
      reason: scenario.skipReason ?? 'skipped',
      runs: [],
      errors: 0,
    }));
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseBenchOptions(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.chartFrom !== undefined) {
    const earlier = JSON.parse(readFileSync(options.chartFrom, 'utf8')) as BenchResults;
    process.stdout.write(renderReport(earlier));
    const chart = options.chartFrom.replace(/\.json$/, '') + '.svg';
    writeFileSync(chart, renderChart(earlier));
    process.stderr.write(`chart written to ${chart}\n`);
    return 0;
  }
  installExitHandlers();
  const startedAt = new Date().toISOString();
  const progress = new Progress();
  const peers = selectPeers(options);
  const { scenarios, memory } = selectScenarios(options);
  const pinning = choosePinning();
  if (pinning.server.length === 0) progress.note(pinning.note);
  progress.show('measuring how busy the machine is');
  const busyBefore = await cpuBusyPercent();
  const fixtures = await createFixtures();
  const generator = await chooseLoadGenerator(options, fixtures, pinning, progress);
  const limit = await openFilesLimit();
  if (memory && Number(limit) < options.idleConnections + 200) {
    progress.note(`ulimit -n is ${limit}: fewer than ${options.idleConnections} idle connections may open (raise it with ulimit -n)`);
  }
  const settings: Settings = {
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    runs: options.runs,
    s7IdleConnections: options.s7IdleConnections,
  };

  const memoryOutcomes = memory ? await memoryPhase(peers, options.idleConnections, options.runs, fixtures, pinning, progress) : [];
  const pool = new ServerPool(fixtures, pinning, progress);
  const scenarioOutcomes: ScenarioOutcome[] = [];
  let peerOutcomes: PeerOutcome[];
  try {
    // Start only the servers some selected scenario needs (Apache is there for S6 and S8).
    const needed = peers.filter((peer) => scenarios.some((scenario) => scenario.load !== undefined && participation(peer, scenario) === undefined));
    peerOutcomes = await pool.startAll(needed);
    for (const scenario of scenarios) scenarioOutcomes.push(...(await runScenario(pool, peers, scenario, generator, settings, progress)));
  } finally {
    await pool.stopAll();
  }
  for (const peer of PEERS) {
    if (!peerOutcomes.some((outcome) => outcome.name === peer.name)) peerOutcomes.push({ name: peer.name, what: peer.what, status: 'not selected' });
  }
  scenarioOutcomes.push(...skippedOutcomes(scenarios));
  progress.show('measuring how busy the machine is');
  const busyAfter = await cpuBusyPercent();
  progress.clear();

  const results: BenchResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { ...describeMachine(), node: process.version, platform: platform(), openFilesLimit: limit, busyBefore, busyAfter },
    method: {
      loadGenerator: generator.version,
      pinning: pinning.note,
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
      runs: options.runs,
      s7IdleConnections: options.s7IdleConnections,
      memoryIdleConnections: options.idleConnections,
    },
    peers: peerOutcomes,
    setups: pool.setups,
    scenarios: scenarioOutcomes,
    memory: memoryOutcomes,
  };
  process.stdout.write(renderReport(results));
  const written = writeResults(results, options.fullRun);
  const latest = options.fullRun ? 'also latest.json, latest.svg' : 'not a full run: the committed latest.json and latest.svg are left as they are';
  process.stderr.write(`results written to ${written.json}, chart ${written.chart} (${latest})\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof OptionsError) {
      process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
