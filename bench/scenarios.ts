/**
 * The scenario table from shared/spec/performance.md. A scenario is the load to apply, the
 * status every answer must have, and the figure that matters (req/s, or MB/s for bulk).
 * S8 is a hook: fill in `load` when CGI exists (it will also need a small CGI program).
 * S6 is measured only on the servers it means something for (`peers`).
 */
import { LARGE_PATH, MISSING_PATH, NEGOTIATED_PATH, SMALL_PATH } from './fixtures.js';

export type Metric = 'requests' | 'megabytes';

export interface ScenarioLoad {
  readonly path: string;
  readonly connections: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Requests per write (S4). */
  readonly pipeline: number;
  /** The status every answer must carry; anything else counts as an error. */
  readonly expectStatus: number;
  /** Idle keep-alive connections the harness holds open during the load (S7). */
  readonly idleConnections: boolean;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly metric: Metric;
  /** Undefined for a scenario whose feature does not exist yet: reported as skipped. */
  readonly load: ScenarioLoad | undefined;
  readonly skipReason?: string;
  /** Only these servers are loaded (default: all); a peer limited to some scenarios says so itself. */
  readonly peers?: readonly string[];
  /** The status a server answers instead, where that is the point (nginx: S6 as a 404 reference). */
  readonly expectStatusFor?: Readonly<Record<string, number>>;
}

/** What a browser sends (Firefox's defaults): S6 negotiates among languages with these. */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language': 'en-US,en;q=0.5',
  'Accept-Encoding': 'gzip, deflate, br',
};

const keepAlive = (path: string, connections: number, expectStatus = 200): ScenarioLoad => ({
  path,
  connections,
  headers: {},
  pipeline: 1,
  expectStatus,
  idleConnections: false,
});

export const SCENARIOS: readonly Scenario[] = [
  { id: 'S1', title: '2 KB file, keep-alive, 50 connections', metric: 'requests', load: keepAlive(SMALL_PATH, 50) },
  {
    id: 'S2',
    title: '2 KB file, Connection: close, 50 connections',
    metric: 'requests',
    load: { ...keepAlive(SMALL_PATH, 50), headers: { Connection: 'close' } },
  },
  { id: 'S3', title: '10 MB file, 8 connections (MB/s)', metric: 'megabytes', load: keepAlive(LARGE_PATH, 8) },
  {
    id: 'S4',
    title: '2 KB file, 16 requests pipelined per write, 50 connections',
    metric: 'requests',
    load: { ...keepAlive(SMALL_PATH, 50), pipeline: 16 },
  },
  { id: 'S5', title: '404 for a missing file, keep-alive, 50 connections', metric: 'requests', load: keepAlive(MISSING_PATH, 50, 404) },
  {
    id: 'S6',
    title: 'negotiated resource (MultiViews), 4 language variants, browser-like Accept*, 50 connections',
    metric: 'requests',
    load: { ...keepAlive(NEGOTIATED_PATH, 50), headers: BROWSER_HEADERS },
    // Apache is the one peer that negotiates; nginx answers 404 (the cost of not finding the file).
    peers: ['porta', 'apache', 'nginx'],
    expectStatusFor: { nginx: 404 },
  },
  {
    id: 'S7',
    title: 'S1 load while idle keep-alive connections are held open',
    metric: 'requests',
    load: { ...keepAlive(SMALL_PATH, 50), idleConnections: true },
  },
  // Hook: small CGI program, e.g. /cgi-bin/hello printing a few headers and a line.
  { id: 'S8', title: 'small CGI program', metric: 'requests', load: undefined, skipReason: 'not implemented yet' },
];

/** The id of the pseudo-scenario for resident memory figures, selectable with --only. */
export const MEMORY_ID = 'MEM';
