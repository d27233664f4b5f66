/**
 * The servers compared: how to find each one, the command that serves the shared document
 * root on 127.0.0.1:PORT for a set-up variant (plain, TLS, every core), and which scenarios
 * each can take part in. porta and nginx log to a file, as users run them; the npm servers
 * as quietly as their flags allow.
 */
import { existsSync, realpathSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apacheCommand, writeApacheConfig } from './apache.js';
import type { Fixtures } from './fixtures.js';
import { nginxCommand, writeNginxConfig } from './nginx.js';
import { findExecutable } from './processes.js';
import { REFERENCE_ROWS, type Scenario, type Variant } from './scenarios.js';

/** The repository root, seen from dist/bench/*.js. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PeerContext {
  readonly fixtures: Fixtures;
  readonly host: string;
  readonly port: number;
  readonly variant: Variant;
}

/**
 * A command ready to spawn (with the config file it reads, printed with the results), the
 * reason the peer is absent (and how to get it), or why it cannot start (porta not built:
 * it is the subject, so that is a failure, not an absence).
 */
export type PeerCommand = { readonly command: string[]; readonly config?: string } | { readonly absent: string } | { readonly failed: string };

export interface Peer {
  readonly name: string;
  readonly what: string;
  readonly prepare: (context: PeerContext) => PeerCommand;
  /**
   * Whether the peer takes part in a scenario: undefined = it does; a string = its row says
   * n/a with that reason; 'omit' = no row (npm servers outside the static-file scenarios).
   */
  readonly cannot?: (scenario: Scenario) => string | undefined;
}

function npmBin(name: string): string | undefined {
  const link = join(REPO_ROOT, 'node_modules', '.bin', name);
  if (!existsSync(link)) return undefined;
  // Run the script with this node directly, so the child pid is the server itself.
  return realpathSync(link);
}

export const OMIT = 'omit';

/**
 * The npm static servers take part in S1 and S2 only (the figures the spec compares them
 * on): each extra scenario for three more servers would add minutes to every run.
 */
const NPM_SCENARIOS = new Set(['S1', 'S2']);
const staticOnly = (scenario: Scenario): string | undefined => (NPM_SCENARIOS.has(scenario.id) ? undefined : OMIT);

function npmPeer(name: string, bin: string, what: string, args: (context: PeerContext) => string[]): Peer {
  return {
    name,
    what,
    cannot: staticOnly,
    prepare: (context) => {
      const script = npmBin(bin);
      if (script === undefined) return { absent: `${bin} not found in node_modules/.bin (run npm install; it is a devDependency)` };
      return { command: [process.execPath, script, ...args(context)] };
    },
  };
}

function tlsArgs(fixtures: Fixtures, variant: Variant): string[] | { failed: string } {
  if (variant !== 'tls') return [];
  if ('missing' in fixtures.tls) return { failed: fixtures.tls.missing };
  return [fixtures.tls.cert, fixtures.tls.key];
}

const NODE_HTTP_CANNOT: Readonly<Record<string, string>> = {
  S6: 'node:http has no content negotiation',
  S8: 'node:http runs no CGI programs',
  'S1-BASIC': 'node:http has no authentication',
  S9: 'the minimal node:http server writes no files',
  S10: 'node:http does not compress',
};

export const PEERS: readonly Peer[] = [
  {
    name: 'porta',
    what: 'porta serve, access log to a file',
    prepare: ({ fixtures, host, port, variant }) => {
      const main = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
      if (!existsSync(main)) return { failed: `${main} not found (npm run build)` };
      const tls = tlsArgs(fixtures, variant);
      if (!Array.isArray(tls)) return tls;
      const accessLog = join(fixtures.scratch, `porta-access-${port}.log`);
      return {
        command: [
          process.execPath,
          main,
          'serve',
          fixtures.documentRoot,
          '--host',
          host,
          '--port',
          String(port),
          '--quiet',
          '--access-log',
          accessLog,
          ...(variant === 'multicore' ? ['--workers', 'auto'] : []),
          ...(tls.length === 2 ? ['--tls-cert', tls[0] as string, '--tls-key', tls[1] as string] : []),
        ],
      };
    },
  },
  {
    name: 'nginx',
    what: 'nginx, master process + 1 worker, daemon off, sendfile on, access log on',
    cannot: (scenario) => (scenario.reference === 'apache' ? `nginx has no ${scenario.id === 'S6' ? 'MultiViews negotiation' : 'CGI'}` : undefined),
    prepare: ({ fixtures, host, port, variant }) => {
      const binary = findExecutable('nginx');
      if (binary === undefined) return { absent: 'nginx not found (apt-get update && apt-get install -y wrk nginx)' };
      if (variant === 'tls' && 'missing' in fixtures.tls) return { failed: fixtures.tls.missing };
      const files = writeNginxConfig(fixtures, host, port, variant, variant === 'tls' && !('missing' in fixtures.tls) ? fixtures.tls : undefined);
      return { command: nginxCommand(binary, files), config: files.config };
    },
  },
  {
    name: 'apache',
    what: 'Apache httpd (event MPM, 1 child process), MultiViews and mod_cgid',
    cannot: (scenario) => (scenario.reference === 'apache' ? undefined : OMIT),
    prepare: ({ fixtures, host, port }) => {
      const binary = findExecutable('apache2') ?? findExecutable('httpd');
      if (binary === undefined) return { absent: 'apache2 not found (apt-get install -y apache2)' };
      const files = writeApacheConfig(fixtures, host, port);
      return { command: apacheCommand(binary, files), config: files.config };
    },
  },
  {
    name: 'node-net-ceiling',
    what: 'raw node:net server writing a response held in memory per request head (the JavaScript ceiling)',
    cannot: (scenario) => (scenario.load?.method === 'PUT' ? 'it reads no request bodies' : undefined),
    prepare: ({ fixtures, host, port, variant }) => {
      const script = fileURLToPath(new URL('./node-net-ceiling.js', import.meta.url));
      if (!existsSync(script)) return { absent: `${script} not built (npm run build)` };
      const tls = tlsArgs(fixtures, variant);
      if (!Array.isArray(tls)) return tls;
      return {
        command: [
          process.execPath,
          script,
          fixtures.documentRoot,
          host,
          String(port),
          ...(tls.length === 2 ? ['--tls', ...tls] : []),
          ...(variant === 'multicore' ? ['--workers', String(cpus().length)] : []),
        ],
      };
    },
  },
  {
    name: 'node-http',
    what: 'minimal node:http server (node:https for TLS), files held in memory, one process',
    cannot: (scenario) => NODE_HTTP_CANNOT[scenario.id],
    prepare: ({ fixtures, host, port, variant }) => {
      const script = fileURLToPath(new URL('./node-http-peer.js', import.meta.url));
      if (!existsSync(script)) return { absent: `${script} not built (npm run build)` };
      const tls = tlsArgs(fixtures, variant);
      if (!Array.isArray(tls)) return tls;
      return { command: [process.execPath, script, fixtures.documentRoot, host, String(port), ...tls] };
    },
  },
  npmPeer('serve', 'serve', 'serve (vercel), request logging off', ({ fixtures, host, port }) => [
    '--listen',
    `tcp://${host}:${port}`,
    '--no-request-logging',
    '--no-clipboard',
    '--no-port-switching',
    fixtures.documentRoot,
  ]),
  npmPeer('http-server', 'http-server', 'http-server, silent', ({ fixtures, host, port }) => [
    fixtures.documentRoot,
    '-a',
    host,
    '-p',
    String(port),
    '--silent',
  ]),
  npmPeer('sirv', 'sirv', 'sirv-cli, quiet', ({ fixtures, host, port }) => [fixtures.documentRoot, '--host', host, '--port', String(port), '--quiet']),
];

/** Whether a peer has a row in a scenario: undefined = measured, string = n/a reason, OMIT = no row. */
export function participation(peer: Peer, scenario: Scenario): string | undefined {
  const reason = peer.cannot?.(scenario);
  if (reason === OMIT && REFERENCE_ROWS.includes(peer.name)) return 'not applicable';
  return reason;
}

/** The default reference every ratio is computed against. */
export const REFERENCE_PEER = 'nginx';
