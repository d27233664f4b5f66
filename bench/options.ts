/**
 * The bench's command line: timing (default 3 s warm-up, 3 x 6 s so a full run stays near
 * 20 minutes; the spec's 5 s and 3 x 10 s on request), which scenarios and which peers. Parsed with node:util so the bench does not depend on porta's own CLI.
 */
import { parseArgs } from 'node:util';

export type LoadGeneratorName = 'wrk' | 'autocannon';

export interface BenchOptions {
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly runs: number;
  /** Upper-cased scenario ids (S1..S10, S1-BASIC, S1-TLS, MC, MEM) to run; undefined means all. */
  readonly only: ReadonlySet<string> | undefined;
  /** Peer names to run; undefined means every peer found. */
  readonly peers: ReadonlySet<string> | undefined;
  readonly idleConnections: number;
  readonly s7IdleConnections: number;
  /** Forced load generator; undefined picks wrk, then autocannon. */
  readonly loadGenerator: LoadGeneratorName | undefined;
  /** Re-draw the chart (and the table) from a results JSON instead of measuring. */
  readonly chartFrom: string | undefined;
  readonly help: boolean;
  /**
   * A full run by the documented method (every scenario and peer, default timings): only
   * such a run replaces the committed bench/results/latest.json and latest.svg.
   */
  readonly fullRun: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --quick               1 s warm-up, 3 runs of 3 s (default: 3 s warm-up, 3 runs of 6 s, about 20 min;
                        the spec's longer method: --warmup 5 --duration 10)
  --warmup SECONDS      warm-up length before the measured runs
  --duration SECONDS    length of each measured run
  --runs N              measured runs per scenario and server (the median is reported)
  --only LIST           scenarios to run, e.g. S1,S1-TLS,MC,MEM (MEM = resident memory figures)
  --peers LIST          servers to run: porta,nginx,apache,serve,http-server,sirv
                        (node-net-ceiling and node-http always run: reference rows)
  --idle-connections N  idle connections opened for the memory figure (default 10000)
  --s7-idle N           idle connections held during S7 (default 1000)
  --loadgen NAME        force the load generator: wrk or autocannon
  --chart-from FILE     print the report and write the chart of an earlier results JSON
                        (FILE.svg beside it), measuring nothing
  --help                this text
`;

/** Thrown for a malformed command line; run.ts prints it with the usage text. */
export class OptionsError extends Error {}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/s$/, ''));
  if (!Number.isFinite(value) || value <= 0) throw new OptionsError(`--${name} needs a positive number, got '${raw}'`);
  return value;
}

function list(raw: string | undefined, normalise: (item: string) => string): ReadonlySet<string> | undefined {
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map(normalise);
  return new Set(items);
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        warmup: { type: 'string' },
        duration: { type: 'string' },
        runs: { type: 'string' },
        only: { type: 'string' },
        peers: { type: 'string' },
        'idle-connections': { type: 'string' },
        's7-idle': { type: 'string' },
        loadgen: { type: 'string' },
        'chart-from': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new OptionsError(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values;
  const quick = values.quick === true;
  const loadgen = values.loadgen;
  if (loadgen !== undefined && loadgen !== 'wrk' && loadgen !== 'autocannon') {
    throw new OptionsError(`--loadgen must be wrk or autocannon, got '${loadgen}'`);
  }
  const runs = positiveNumber('runs', values.runs, 3);
  if (!Number.isInteger(runs)) throw new OptionsError(`--runs needs a whole number, got '${values.runs}'`);
  return {
    warmupSeconds: positiveNumber('warmup', values.warmup, quick ? 1 : 3),
    durationSeconds: positiveNumber('duration', values.duration, quick ? 3 : 6),
    runs,
    only: list(values.only, (item) => item.toUpperCase()),
    peers: list(values.peers, (item) => item.toLowerCase()),
    idleConnections: Math.floor(positiveNumber('idle-connections', values['idle-connections'], 10_000)),
    s7IdleConnections: Math.floor(positiveNumber('s7-idle', values['s7-idle'], 1000)),
    loadGenerator: loadgen,
    chartFrom: values['chart-from'],
    help: values.help === true,
    fullRun: !quick && values.warmup === undefined && values.duration === undefined && values.runs === undefined && values.only === undefined && values.peers === undefined,
  };
}
