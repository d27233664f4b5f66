/**
 * The order of the measurements. All servers run side by side (idle ones cost nothing on
 * CPU 0) and every round of a scenario loads each server in turn: warm-up round, then
 * run 1 of every server, run 2 of every server, ... So a slow minute on a shared machine
 * hits all servers alike and the ratios to nginx hold, which is what the spec reports.
 */
import type { Fixtures } from './fixtures.js';
import type { LoadGenerator } from './load.js';
import { checkAnswer, runLoad, summarize, type MeasuredRun } from './measure.js';
import type { Peer } from './peers.js';
import type { Pinning } from './processes.js';
import type { Progress } from './progress.js';
import type { PeerOutcome, ScenarioOutcome } from './results.js';
import type { Scenario, ScenarioLoad } from './scenarios.js';
import { startServer, type RunningServer } from './server.js';

export interface Settings {
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly runs: number;
  readonly s7IdleConnections: number;
}

interface Slot {
  readonly peer: Peer;
  server: RunningServer | undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ServerPool {
  private readonly slots: Slot[] = [];

  constructor(
    private readonly fixtures: Fixtures,
    private readonly pinning: Pinning,
    private readonly progress: Progress,
  ) {}

  /** Starts every peer; returns what became of each (ran, absent, failed to start). */
  async startAll(peers: readonly Peer[]): Promise<PeerOutcome[]> {
    const outcomes: PeerOutcome[] = [];
    for (const peer of peers) {
      this.progress.show(`${peer.name}: starting`);
      const started = await startServer(peer, this.fixtures, this.pinning);
      if (started.kind === 'running') {
        this.slots.push({ peer, server: started.server });
        outcomes.push({ name: peer.name, what: peer.what, status: 'ran' });
      } else {
        this.progress.note(`${peer.name}: ${started.kind === 'absent' ? 'skipped' : 'FAILED TO START'}: ${started.reason}`);
        outcomes.push({ name: peer.name, what: peer.what, status: started.kind, reason: started.reason });
      }
    }
    return outcomes;
  }

  get running(): readonly Slot[] {
    return this.slots;
  }

  /** A server that died is restarted once per scenario; undefined when that fails too. */
  async revive(slot: Slot): Promise<string | undefined> {
    if (slot.server?.alive()) return undefined;
    const last = slot.server?.outputTail().split('\n').slice(-2).join(' | ') ?? '';
    this.progress.note(`${slot.peer.name}: not running${last ? ` (${last})` : ''}, restarting it`);
    await slot.server?.stop();
    const started = await startServer(slot.peer, this.fixtures, this.pinning);
    slot.server = started.kind === 'running' ? started.server : undefined;
    return started.kind === 'running' ? undefined : `died and could not restart: ${started.reason}`;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.server?.stop()));
    this.slots.length = 0;
  }
}

interface Track {
  readonly slot: Slot;
  readonly runs: MeasuredRun[];
  failure: string | undefined;
}

async function loadRound(
  tracks: readonly Track[],
  scenario: Scenario,
  load: ScenarioLoad,
  generator: LoadGenerator,
  settings: Settings,
  progress: Progress,
  round: { readonly label: string; readonly seconds: number; readonly keep: boolean },
): Promise<void> {
  for (const track of tracks) {
    const server = track.slot.server;
    if (track.failure !== undefined || server === undefined) continue;
    const prefix = `${scenario.id} ${round.label} ${track.slot.peer.name}`;
    try {
      const run = await runLoad(server, loadFor(scenario, load, track.slot.peer), generator, round.seconds, settings.s7IdleConnections, (stage) => progress.show(`${prefix}: ${stage}`));
      if (!server.alive()) throw new Error(`server died under load: ${server.outputTail().split('\n').slice(-2).join(' | ')}`);
      if (round.keep) track.runs.push(run);
    } catch (error) {
      track.failure = describe(error);
      progress.note(`${scenario.id} ${track.slot.peer.name}: FAILED: ${track.failure}`);
    }
  }
}

/** Whether a peer is measured in a scenario (S6 only on the servers it means something for). */
export function measuredIn(peer: Peer, scenario: Scenario): boolean {
  return (peer.scenarios === undefined || peer.scenarios.includes(scenario.id)) && (scenario.peers === undefined || scenario.peers.includes(peer.name));
}

/** The scenario's load with the status this peer is expected to answer. */
function loadFor(scenario: Scenario, load: ScenarioLoad, peer: Peer): ScenarioLoad {
  const status = scenario.expectStatusFor?.[peer.name];
  return status === undefined ? load : { ...load, expectStatus: status };
}

/** Runs one scenario on every running server, interleaved; one outcome per server. */
export async function runScenario(
  pool: ServerPool,
  scenario: Scenario,
  generator: LoadGenerator,
  settings: Settings,
  progress: Progress,
): Promise<ScenarioOutcome[]> {
  const load = scenario.load;
  if (load === undefined) return [];
  const tracks: Track[] = [];
  for (const slot of pool.running) {
    if (!measuredIn(slot.peer, scenario)) continue;
    const track: Track = { slot, runs: [], failure: await pool.revive(slot) };
    if (track.failure === undefined && slot.server !== undefined) {
      progress.show(`${scenario.id} probe ${slot.peer.name}`);
      track.failure = await checkAnswer(slot.server, loadFor(scenario, load, slot.peer));
      if (track.failure !== undefined) progress.note(`${scenario.id} ${slot.peer.name}: FAILED: ${track.failure}`);
    }
    tracks.push(track);
  }
  await loadRound(tracks, scenario, load, generator, settings, progress, { label: 'warm-up', seconds: settings.warmupSeconds, keep: false });
  for (let i = 1; i <= settings.runs; i++) {
    const label = `run ${i}/${settings.runs}`;
    await loadRound(tracks, scenario, load, generator, settings, progress, { label, seconds: settings.durationSeconds, keep: true });
  }
  return tracks.map((track) => summarize(scenario, track.slot.peer.name, track.runs, track.failure));
}
