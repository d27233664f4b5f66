/**
 * The scenario table from shared/spec/performance.md and issue 12. A scenario is the load to
 * apply, the statuses an answer may have, the figure that matters (req/s, or MB/s for bulk),
 * the peer its ratios are taken against (nginx, or Apache where nginx cannot serve it), and
 * the server set-up it needs (`variant`: plain, TLS, or every core for MC).
 */
import {
  BASIC_AUTHORIZATION,
  CGI_OUTPUT,
  CGI_PATH,
  NEGOTIATED_BYTES,
  LARGE_PATH,
  MISSING_PATH,
  NEGOTIATED_PATH,
  PROTECTED_PATH,
  SCRIPT_PATH,
  SMALL_PATH,
  SMALL_SIZE,
  UPLOAD_PATH,
  UPLOAD_SIZE,
} from './fixtures.js';

export type Metric = 'requests' | 'megabytes';

/** plain: pinned to CPU 0; tls: the same over HTTPS; multicore: every core, unpinned. */
export type Variant = 'plain' | 'tls' | 'multicore';

export interface ScenarioLoad {
  readonly path: string;
  readonly method: 'GET' | 'PUT';
  /** Bytes of request body per request (PUT). */
  readonly bodyBytes: number;
  readonly connections: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Requests per write (S4). */
  readonly pipeline: number;
  /** The statuses an answer may carry; anything else counts as an error. */
  readonly expectStatus: readonly number[];
  /** Idle keep-alive connections the harness holds open during the load (S7). */
  readonly idleConnections: boolean;
  /** The body size the probe must see (uncompressed answers), e.g. a CGI program's output and not its source. */
  readonly expectBytes?: number;
  /** The answer must carry a Content-Encoding (S10: an uncompressed answer is not comparable). */
  readonly expectEncoded?: boolean;
  /** Protected scenarios: the status the same request without Authorization must get (401). */
  readonly withoutCredentials?: number;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly metric: Metric;
  /** Undefined for a scenario that cannot be measured: reported as skipped with the reason. */
  readonly load: ScenarioLoad | undefined;
  readonly skipReason?: string;
  readonly variant: Variant;
  /** The peer every ratio in this scenario is taken against. */
  readonly reference: 'nginx' | 'apache';
  /** Peers beyond porta and the reference rows that take part (undefined: all static servers). */
  readonly extraPeers?: readonly string[];
  /** The separate multi-core table. */
  readonly multicore?: boolean;
}

const keepAlive = (path: string, connections: number, expectStatus: readonly number[] = [200]): ScenarioLoad => ({
  path,
  method: 'GET',
  bodyBytes: 0,
  connections,
  headers: {},
  pipeline: 1,
  expectStatus,
  idleConnections: false,
  ...(path === SMALL_PATH ? { expectBytes: SMALL_SIZE } : {}),
});

const plain = { variant: 'plain', reference: 'nginx' } as const;

export const SCENARIOS: readonly Scenario[] = [
  { id: 'S1', title: '2 KB file, keep-alive, 50 connections', metric: 'requests', load: { ...keepAlive(SMALL_PATH, 50), expectBytes: SMALL_SIZE }, ...plain },
  {
    id: 'S2',
    title: '2 KB file, Connection: close, 50 connections',
    metric: 'requests',
    load: { ...keepAlive(SMALL_PATH, 50), headers: { Connection: 'close' } },
    ...plain,
  },
  { id: 'S3', title: '10 MB file, 8 connections (MB/s)', metric: 'megabytes', load: keepAlive(LARGE_PATH, 8), ...plain },
  {
    id: 'S4',
    title: '2 KB file, 16 requests pipelined per write, 50 connections',
    metric: 'requests',
    load: { ...keepAlive(SMALL_PATH, 50), pipeline: 16 },
    ...plain,
  },
  { id: 'S5', title: '404 for a missing file, keep-alive, 50 connections', metric: 'requests', load: keepAlive(MISSING_PATH, 50, [404]), ...plain },
  {
    id: 'S6',
    title: 'negotiated resource (MultiViews: /docs/index.html from index.html.en/.fr, Accept-Language: en)',
    metric: 'requests',
    load: { ...keepAlive(NEGOTIATED_PATH, 50), headers: { 'Accept-Language': 'en' }, expectBytes: NEGOTIATED_BYTES },
    variant: 'plain',
    reference: 'apache',
    extraPeers: [],
  },
  {
    id: 'S7',
    title: 'S1 load while idle keep-alive connections are held open',
    metric: 'requests',
    load: { ...keepAlive(SMALL_PATH, 50), idleConnections: true },
    ...plain,
  },
  {
    id: 'S8',
    title: 'small CGI program (sh script), 8 connections',
    metric: 'requests',
    load: { ...keepAlive(CGI_PATH, 8), expectBytes: Buffer.byteLength(CGI_OUTPUT) },
    variant: 'plain',
    reference: 'apache',
    extraPeers: [],
  },
  {
    id: 'S1-BASIC',
    title: 'S1 behind Basic authentication',
    metric: 'requests',
    load: { ...keepAlive(PROTECTED_PATH, 50), headers: { Authorization: BASIC_AUTHORIZATION }, expectBytes: SMALL_SIZE, withoutCredentials: 401 },
    ...plain,
    extraPeers: [],
  },
  {
    id: 'S1-DIGEST',
    title: 'S1 behind Digest authentication',
    metric: 'requests',
    load: undefined,
    skipReason: 'not measured: each request needs a fresh nonce count and an MD5 response, which wrk cannot compute per request',
    ...plain,
  },
  {
    id: 'S9',
    title: 'PUT of a 1 MB file (Basic auth), 8 connections',
    metric: 'requests',
    load: {
      ...keepAlive(UPLOAD_PATH, 8, [200, 201, 204]),
      method: 'PUT',
      bodyBytes: UPLOAD_SIZE,
      headers: { Authorization: BASIC_AUTHORIZATION, 'Content-Type': 'application/octet-stream' },
      withoutCredentials: 401,
    },
    ...plain,
    extraPeers: [],
  },
  {
    id: 'S10',
    title: '50 KB JavaScript, Accept-Encoding: gzip, deflate, br',
    metric: 'requests',
    load: { ...keepAlive(SCRIPT_PATH, 50), headers: { 'Accept-Encoding': 'gzip, deflate, br' }, expectEncoded: true },
    ...plain,
    extraPeers: [],
  },
  { id: 'S1-TLS', title: 'S1 over HTTPS (self-signed certificate)', metric: 'requests', load: { ...keepAlive(SMALL_PATH, 50), expectBytes: SMALL_SIZE }, variant: 'tls', reference: 'nginx', extraPeers: [] },
  {
    id: 'MC',
    title: 'S1 on every core: porta --workers auto, nginx worker_processes auto, load generator unpinned',
    metric: 'requests',
    load: keepAlive(SMALL_PATH, 50),
    variant: 'multicore',
    reference: 'nginx',
    extraPeers: [],
    multicore: true,
  },
];

/** The id of the pseudo-scenario for resident memory figures, selectable with --only. */
export const MEMORY_ID = 'MEM';

/** Reference rows shown in every scenario, as a measurement or as n/a with the reason. */
export const REFERENCE_ROWS: readonly string[] = ['node-net-ceiling', 'node-http'];
