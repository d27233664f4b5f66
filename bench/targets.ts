/**
 * The targets of issue 12 / the spec's performance section, each judged on one bench run's
 * medians: met, not met, or not measured (with the figure either way).
 */
import { CEILING_PEER, find, rate, ratioBetween } from './figures.js';
import type { BenchResults } from './results.js';
import { formatFixed } from './table.js';

export interface TargetVerdict {
  readonly target: string;
  /** undefined: not measured in this run. */
  readonly met: boolean | undefined;
  readonly figure: string;
}

const PORTA = 'porta';

function atLeast(target: string, value: number | undefined, floor: number, unit = 'x'): TargetVerdict {
  return value === undefined
    ? { target, met: undefined, figure: 'not measured' }
    : { target, met: value >= floor, figure: `${formatFixed(value, 2)}${unit}` };
}

function ownS1(results: BenchResults, scenario: string): number | undefined {
  const s1 = rate(find(results.scenarios, 'S1', PORTA));
  const mine = rate(find(results.scenarios, scenario, PORTA));
  return s1 === undefined || mine === undefined || s1 === 0 ? undefined : mine / s1;
}

function memoryTargets(results: BenchResults): TargetVerdict[] {
  const porta = results.memory.find((outcome) => outcome.peer === PORTA);
  const idle = porta?.idleMb;
  const held = porta?.withConnections;
  const growth = held?.mb !== undefined && idle !== undefined ? held.mb - idle : undefined;
  const opened = held === undefined ? '' : ` (${held.opened} connections open)`;
  return [
    idle === undefined
      ? { target: 'idle RSS <= 50 MB', met: undefined, figure: 'not measured' }
      : { target: 'idle RSS <= 50 MB', met: idle <= 50, figure: `${formatFixed(idle, 1)} MB` },
    growth === undefined
      ? { target: '10,000 idle keep-alive connections <= +50 MB', met: undefined, figure: 'not measured' }
      : {
          target: '10,000 idle keep-alive connections <= +50 MB',
          met: growth <= 50 && held !== undefined && held.opened >= 10_000,
          figure: `+${formatFixed(growth, 1)} MB${opened}`,
        },
  ];
}

export function judgeTargets(results: BenchResults): TargetVerdict[] {
  const all = results.scenarios;
  const verdicts: TargetVerdict[] = [];
  for (const id of ['S1', 'S4', 'S5', 'S7']) verdicts.push(atLeast(`${id} >= 1.0x nginx`, ratioBetween(all, id, PORTA, 'nginx'), 1.0));
  verdicts.push(atLeast('S1 >= 0.75 of the ceiling', ratioBetween(all, 'S1', PORTA, CEILING_PEER), 0.75));
  verdicts.push(atLeast('S2 >= node-http', ratioBetween(all, 'S2', PORTA, 'node-http'), 1.0));
  verdicts.push(atLeast("S2 >= 0.9 of the ceiling's S2", ratioBetween(all, 'S2', PORTA, CEILING_PEER), 0.9));
  verdicts.push(atLeast('S3 >= 0.9x nginx', ratioBetween(all, 'S3', PORTA, 'nginx'), 0.9));
  verdicts.push(atLeast("S6 >= 0.9 of porta's S1", ownS1(results, 'S6'), 0.9));
  verdicts.push(atLeast("S1-BASIC >= 0.9 of porta's S1", ownS1(results, 'S1-BASIC'), 0.9));
  const s7 = find(all, 'S7', PORTA)?.median?.p99Ms;
  const s1 = find(all, 'S1', PORTA)?.median?.p99Ms;
  const p99Ratio = s7 !== undefined && s1 !== undefined && s1 > 0 ? s7 / s1 : undefined;
  verdicts.push(
    p99Ratio === undefined
      ? { target: "S7 p99 <= 1.5x porta's S1 p99", met: undefined, figure: 'not measured' }
      : { target: "S7 p99 <= 1.5x porta's S1 p99", met: p99Ratio <= 1.5, figure: `${formatFixed(p99Ratio, 2)}x` },
  );
  verdicts.push(...memoryTargets(results));
  return verdicts;
}
