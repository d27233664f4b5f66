/**
 * `npm run bench`: starts each server it finds on the shared document root, measures the
 * scenarios of shared/spec/performance.md with wrk (autocannon as fallback), prints the
 * table with ratios to nginx and writes bench/results/<date-time>.json. See bench/README.md.
 */
import { platform } from 'node:os';
import { autocannonVersion, createAutocannon, findAutocannon } from './autocannon.js';
import { createFixtures, type Fixtures } from './fixtures.js';
import type { LoadGenerator } from './load.js';
import { cpuBusyPercent, describeMachine } from './machine.js';
import { measureMemory } from './memory-figures.js';
import { OptionsError, parseBenchOptions, USAGE, type BenchOptions } from './options.js';
import { PEERS, type Peer } from './peers.js';
import { choosePinning, findExecutable, installExitHandlers, runCommand, type Pinning } from './processes.js';
import { Progress } from './progress.js';
import { renderReport, writeResults } from './report.js';
import type { BenchResults, MemoryOutcome, PeerOutcome, ScenarioOutcome } from './results.js';
import { MEMORY_ID, SCENARIOS, type Scenario } from './scenarios.js';
import { runScenario, ServerPool, type Settings } from './schedule.js';
import { startServer } from './server.js';

const PEER_ALIASES: Record<string, string> = { 'sirv-cli': 'sirv', node: 'node-http', 'node:http': 'node-http' };

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
  return PEERS.filter((peer) => wanted.has(peer.name));
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

/** Memory figures, one fresh server at a time (before any load has grown its heap). */
async function memoryPhase(peers: readonly Peer[], connections: number, fixtures: Fixtures, pinning: Pinning, progress: Progress): Promise<MemoryOutcome[]> {
  const outcomes: MemoryOutcome[] = [];
  for (const peer of peers) {
    // A peer measured only in some scenarios (Apache for S6) is no reference for memory.
    if (peer.scenarios !== undefined) continue;
    progress.show(`MEM ${peer.name}: starting`);
    const started = await startServer(peer, fixtures, pinning);
    if (started.kind !== 'running') continue; // reported when the scenarios start it
    try {
      outcomes.push(await measureMemory(started.server, connections, progress));
    } finally {
      await started.server.stop();
    }
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
  installExitHandlers();
  const startedAt = new Date().toISOString();
  const progress = new Progress();
  const peers = selectPeers(options);
  const { scenarios, memory } = selectScenarios(options);
  const pinning = choosePinning();
  if (pinning.server.length === 0) progress.note(pinning.note);
  progress.show('measuring how busy the machine is');
  const busyBefore = await cpuBusyPercent();
  const fixtures = createFixtures();
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

  const memoryOutcomes = memory ? await memoryPhase(peers, options.idleConnections, fixtures, pinning, progress) : [];
  const pool = new ServerPool(fixtures, pinning, progress);
  const scenarioOutcomes: ScenarioOutcome[] = [];
  let peerOutcomes: PeerOutcome[];
  try {
    peerOutcomes = await pool.startAll(peers);
    for (const scenario of scenarios) scenarioOutcomes.push(...(await runScenario(pool, scenario, generator, settings, progress)));
  } finally {
    await pool.stopAll();
  }
  for (const peer of PEERS) {
    if (!peers.includes(peer)) peerOutcomes.push({ name: peer.name, what: peer.what, status: 'not selected' });
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
    scenarios: scenarioOutcomes,
    memory: memoryOutcomes,
  };
  process.stdout.write(renderReport(results));
  const path = writeResults(results);
  process.stderr.write(`results written to ${path}\n`);
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
