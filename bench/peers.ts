/**
 * The servers compared: how to find each one and the command that serves the shared
 * document root on 127.0.0.1:PORT with logging as the spec wants (porta and nginx log to a
 * file, as users run them; the npm servers as quietly as their flags allow).
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Fixtures } from './fixtures.js';
import { apacheCommand, missingApacheModule, writeApacheConfig } from './apache.js';
import { nginxCommand, writeNginxConfig } from './nginx.js';
import { findExecutable } from './processes.js';

/** The repository root, seen from dist/bench/*.js. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PeerContext {
  readonly fixtures: Fixtures;
  readonly host: string;
  readonly port: number;
}

/**
 * A command ready to spawn, the reason the peer is absent (and how to get it), or why it
 * cannot start (porta not built: it is the subject, so that is a failure, not an absence).
 */
export type PeerCommand = { readonly command: string[] } | { readonly absent: string } | { readonly failed: string };

export interface Peer {
  readonly name: string;
  readonly what: string;
  readonly prepare: (context: PeerContext) => PeerCommand;
  /** Scenarios this peer is measured in (default: all): Apache only where it is the peer that matters. */
  readonly scenarios?: readonly string[];
}

function npmBin(name: string): string | undefined {
  const link = join(REPO_ROOT, 'node_modules', '.bin', name);
  if (!existsSync(link)) return undefined;
  // Run the script with this node directly, so the child pid is the server itself.
  return realpathSync(link);
}

function npmPeer(name: string, bin: string, what: string, args: (context: PeerContext) => string[]): Peer {
  return {
    name,
    what,
    prepare: (context) => {
      const script = npmBin(bin);
      if (script === undefined) return { absent: `${bin} not found in node_modules/.bin (run npm install; it is a devDependency)` };
      return { command: [process.execPath, script, ...args(context)] };
    },
  };
}

export const PEERS: readonly Peer[] = [
  {
    name: 'porta',
    what: 'porta serve, access log to a file',
    prepare: ({ fixtures, host, port }) => {
      const main = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
      if (!existsSync(main)) return { failed: `${main} not found (npm run build)` };
      const accessLog = join(fixtures.scratch, `porta-access-${port}.log`);
      return {
        command: [process.execPath, main, 'serve', fixtures.documentRoot, '--host', host, '--port', String(port), '--quiet', '--access-log', accessLog],
      };
    },
  },
  {
    name: 'nginx',
    what: 'nginx, 1 worker, sendfile on, access log on',
    prepare: ({ fixtures, host, port }) => {
      const binary = findExecutable('nginx');
      if (binary === undefined) return { absent: 'nginx not found (apt-get update && apt-get install -y wrk nginx)' };
      return { command: nginxCommand(binary, writeNginxConfig(fixtures.scratch, fixtures.documentRoot, host, port)) };
    },
  },
  {
    name: 'node-http',
    what: 'minimal node:http server, files held in memory',
    prepare: ({ fixtures, host, port }) => {
      const script = fileURLToPath(new URL('./node-http-peer.js', import.meta.url));
      if (!existsSync(script)) return { absent: `${script} not built (npm run build)` };
      return { command: [process.execPath, script, fixtures.documentRoot, host, String(port)] };
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
  {
    name: 'apache',
    what: 'Apache httpd, event MPM, one serving process, MultiViews on, access log on (S6 only)',
    scenarios: ['S6'],
    prepare: ({ fixtures, host, port }) => {
      const binary = findExecutable('apache2') ?? findExecutable('httpd');
      if (binary === undefined) return { absent: 'apache2 not found (apt-get update && apt-get install -y apache2)' };
      const missing = missingApacheModule();
      if (missing !== undefined) return { absent: `${missing} not found (apt-get install -y apache2)` };
      return { command: apacheCommand(binary, writeApacheConfig(fixtures.scratch, fixtures.base, fixtures.documentRoot, host, port)) };
    },
  },
  npmPeer('sirv', 'sirv', 'sirv-cli, quiet', ({ fixtures, host, port }) => [fixtures.documentRoot, '--host', host, '--port', String(port), '--quiet']),
];

/** The reference every ratio is computed against. */
export const REFERENCE_PEER = 'nginx';
