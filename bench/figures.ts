/**
 * Looking figures up in a run's outcomes: a server's rate in a scenario, and its ratio to
 * the scenario's reference peer (nginx, or Apache where nginx cannot serve it).
 */
import { REFERENCE_PEER } from './peers.js';
import type { ScenarioOutcome } from './results.js';
import { SCENARIOS } from './scenarios.js';

export const CEILING_PEER = 'node-net-ceiling';

export function rate(outcome: ScenarioOutcome | undefined): number | undefined {
  if (outcome?.median === undefined || outcome.status !== 'ok') return undefined;
  return outcome.metric === 'megabytes' ? outcome.median.megabytesPerSecond : outcome.median.requestsPerSecond;
}

export function referenceOf(scenario: string): string {
  return SCENARIOS.find((candidate) => candidate.id === scenario)?.reference ?? REFERENCE_PEER;
}

export function find(all: readonly ScenarioOutcome[], scenario: string, peer: string): ScenarioOutcome | undefined {
  return all.find((outcome) => outcome.scenario === scenario && outcome.peer === peer);
}

/** mine / theirs in one scenario, undefined when either is missing. */
export function ratioBetween(all: readonly ScenarioOutcome[], scenario: string, peer: string, other: string): number | undefined {
  const mine = rate(find(all, scenario, peer));
  const theirs = rate(find(all, scenario, other));
  if (mine === undefined || theirs === undefined || theirs === 0) return undefined;
  return mine / theirs;
}

export function ratioToReference(all: readonly ScenarioOutcome[], scenario: string, peer: string): number | undefined {
  return ratioBetween(all, scenario, peer, referenceOf(scenario));
}
