/**
 * The order of the measurements. All servers of a set-up run side by side (idle ones cost
 * nothing on CPU 0) and every round of a scenario loads each server in turn: warm-up round,
 * then run 1 of every server, run 2 of every server, ... So a slow minute on a shared
 * machine hits all servers alike and the ratios to nginx hold, which is what the spec
 * reports. The plain set-up starts first and runs throughout; a TLS or multi-core server is
 * started for its scenario and stopped after it.
 */
import { readFileSync } from 'node:fs';
import type { Fixtures } from './fixtures.js';
import type { LoadGenerator } from './load.js';
import { checkAnswer, runLoad, summarize, type MeasuredRun } from './measure.js';
import { OMIT, participation, type Peer } from './peers.js';
import type { Pinning } from './processes.js';
import type { Progress } from './progress.js';
import type { PeerOutcome, ScenarioOutcome, ServerSetup } from './results.js';
import type { Scenario, ScenarioLoad, Variant } from './scenarios.js';
import { startServer, type RunningServer } from './server.js';

export interface Settings {
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly runs: number;
  readonly s7IdleConnections: number;
}

interface Slot {
  readonly peer: Peer;
  readonly variant: Variant;
  server: RunningServer | undefined;
  /** Why it did not start, when it did not. */
  startFailure: string | undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ServerPool {
  private readonly slots: Slot[] = [];
  private readonly recorded = new Map<string, ServerSetup>();

  constructor(
    private readonly fixtures: Fixtures,
    private readonly pinning: Pinning,
    private readonly progress: Progress,
  ) {}

  /** Every command line and config file used, one per peer and set-up (printed with the results). */
  get setups(): readonly ServerSetup[] {
    return [...this.recorded.values()];
  }

  private record(server: RunningServer): void {
    const key = `${server.peer.name}/${server.variant}`;
    if (this.recorded.has(key)) return;
    let configText: string | undefined;
    try {
      configText = server.config === undefined ? undefined : readFileSync(server.config, 'utf8');
    } catch {
      configText = undefined;
    }
    this.recorded.set(key, {
      peer: server.peer.name,
      variant: server.variant,
      command: server.command,
      ...(server.config !== undefined ? { configPath: server.config } : {}),
      ...(configText !== undefined ? { configText } : {}),
    });
  }

  private async start(peer: Peer, variant: Variant): Promise<Slot> {
    this.progress.show(`${peer.name}${variant === 'plain' ? '' : ` (${variant})`}: starting`);
    const started = await startServer(peer, this.fixtures, this.pinning, variant);
    const slot: Slot = { peer, variant, server: undefined, startFailure: undefined };
    if (started.kind === 'running') {
      slot.server = started.server;
      this.record(started.server);
    } else {
      slot.startFailure = `${started.kind === 'absent' ? 'not installed' : 'did not start'}: ${started.reason}`;
    }
    this.slots.push(slot);
    return slot;
  }

  /** Starts every peer in the plain set-up; returns what became of each. */
  async startAll(peers: readonly Peer[]): Promise<PeerOutcome[]> {
    const outcomes: PeerOutcome[] = [];
    for (const peer of peers) {
      const slot = await this.start(peer, 'plain');
      if (slot.server !== undefined) {
        outcomes.push({ name: peer.name, what: peer.what, status: 'ran' });
      } else {
        const reason = slot.startFailure ?? '';
        const absent = reason.startsWith('not installed');
        this.progress.note(`${peer.name}: ${absent ? 'skipped' : 'FAILED TO START'}: ${reason}`);
        outcomes.push({ name: peer.name, what: peer.what, status: absent ? 'absent' : 'failed', reason });
      }
    }
    return outcomes;
  }

  /** The slot of a peer in a set-up, starting it on first use. */
  async slotFor(peer: Peer, variant: Variant): Promise<Slot> {
    return this.slots.find((slot) => slot.peer === peer && slot.variant === variant) ?? (await this.start(peer, variant));
  }

  /** A server that died is restarted once per scenario; undefined when it runs. */
  async revive(slot: Slot): Promise<string | undefined> {
    if (slot.server === undefined) return slot.startFailure;
    if (slot.server.alive()) return undefined;
    const last = slot.server.outputTail().split('\n').slice(-2).join(' | ');
    this.progress.note(`${slot.peer.name}: not running${last ? ` (${last})` : ''}, restarting it`);
    await slot.server.stop();
    const started = await startServer(slot.peer, this.fixtures, this.pinning, slot.variant);
    slot.server = started.kind === 'running' ? started.server : undefined;
    return started.kind === 'running' ? undefined : `died and could not restart: ${started.reason}`;
  }

  /** Stops the servers of one set-up (TLS, multi-core) once their scenario is done. */
  async stopVariant(variant: Variant): Promise<void> {
    const mine = this.slots.filter((slot) => slot.variant === variant);
    await Promise.all(mine.map((slot) => slot.server?.stop()));
    for (const slot of mine) this.slots.splice(this.slots.indexOf(slot), 1);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.server?.stop()));
    this.slots.length = 0;
  }
}

interface Track {
  readonly slot: Slot;
  readonly runs: MeasuredRun[];
  /** Broke under load. */
  failure: string | undefined;
  /** Cannot be measured here (no start, wrong answer). */
  notApplicable: string | undefined;
  note: string | undefined;
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
    if (track.failure !== undefined || track.notApplicable !== undefined || server === undefined) continue;
    const prefix = `${scenario.id} ${round.label} ${track.slot.peer.name}`;
    try {
      const run = await runLoad(server, load, generator, round.seconds, settings.s7IdleConnections, (stage) => progress.show(`${prefix}: ${stage}`));
      if (!server.alive()) throw new Error(`server died under load: ${server.outputTail().split('\n').slice(-2).join(' | ')}`);
      if (round.keep) track.runs.push(run);
    } catch (error) {
      track.failure = describe(error);
      progress.note(`${scenario.id} ${track.slot.peer.name}: FAILED: ${track.failure}`);
    }
  }
}

function notApplicable(scenario: Scenario, peer: string, reason: string): ScenarioOutcome {
  return { scenario: scenario.id, title: scenario.title, metric: scenario.metric, peer, status: 'n/a', reason, runs: [], errors: 0 };
}

/** Runs one scenario on every taking-part server, interleaved; one outcome per row. */
export async function runScenario(
  pool: ServerPool,
  peers: readonly Peer[],
  scenario: Scenario,
  generator: LoadGenerator,
  settings: Settings,
  progress: Progress,
): Promise<ScenarioOutcome[]> {
  const load = scenario.load;
  if (load === undefined) return [];
  const rows: Array<Track | ScenarioOutcome> = [];
  for (const peer of peers) {
    const cannot = participation(peer, scenario);
    if (cannot === OMIT) continue;
    if (cannot !== undefined) {
      rows.push(notApplicable(scenario, peer.name, cannot));
      continue;
    }
    const slot = await pool.slotFor(peer, scenario.variant);
    const track: Track = { slot, runs: [], failure: undefined, notApplicable: await pool.revive(slot), note: undefined };
    if (track.notApplicable === undefined && slot.server !== undefined) {
      progress.show(`${scenario.id} probe ${peer.name}`);
      const verdict = await checkAnswer(slot.server, load);
      track.notApplicable = verdict.notApplicable;
      track.note = verdict.note;
      if (verdict.notApplicable !== undefined) progress.note(`${scenario.id} ${peer.name}: n/a: ${verdict.notApplicable}`);
    }
    rows.push(track);
  }
  const tracks = rows.filter((row): row is Track => 'slot' in row);
  await loadRound(tracks, scenario, load, generator, settings, progress, { label: 'warm-up', seconds: settings.warmupSeconds, keep: false });
  for (let i = 1; i <= settings.runs; i++) {
    const label = `run ${i}/${settings.runs}`;
    await loadRound(tracks, scenario, load, generator, settings, progress, { label, seconds: settings.durationSeconds, keep: true });
  }
  if (scenario.variant !== 'plain') await pool.stopVariant(scenario.variant);
  return rows.map((row) => {
    if (!('slot' in row)) return row;
    if (row.notApplicable !== undefined) return notApplicable(scenario, row.slot.peer.name, row.notApplicable);
    return summarize(scenario, row.slot.peer.name, row.runs, row.failure, row.note);
  });
}
