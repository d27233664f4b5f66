/**
 * Starting one peer for a benchmark: spawn it pinned, keep the tail of its output for the
 * failure message, wait until it accepts on 127.0.0.1, and stop it afterwards.
 */
import type { ChildProcess } from 'node:child_process';
import { freePort, HOST, waitForAccept } from './net.js';
import type { Fixtures } from './fixtures.js';
import type { Peer } from './peers.js';
import { startProcess, stopProcess, type Pinning } from './processes.js';
import type { Variant } from './scenarios.js';

const START_TIMEOUT_MS = 15_000;
const TAIL_BYTES = 2000;

export interface RunningServer {
  readonly peer: Peer;
  readonly port: number;
  readonly pid: number;
  readonly variant: Variant;
  /** The command line it runs with (pinning prefix included) and its config file, if any. */
  readonly command: readonly string[];
  readonly config: string | undefined;
  /** Whether the process is still running (a crash under load is reported). */
  readonly alive: () => boolean;
  readonly outputTail: () => string;
  readonly stop: () => Promise<void>;
}

export type StartResult =
  | { readonly kind: 'running'; readonly server: RunningServer }
  | { readonly kind: 'absent'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

function collectTail(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail.trim();
}

/** The last telling lines of a failed server's output (no stack frames, no version footer). */
function lastLines(text: string, count: number): string {
  const telling = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at ') && !line.startsWith('Node.js v') && line !== '^');
  return telling.slice(-count).join(' | ');
}

/** Starts a peer; the multi-core variant runs unpinned, every other pinned as the method says. */
export async function startServer(peer: Peer, fixtures: Fixtures, pinning: Pinning, variant: Variant = 'plain'): Promise<StartResult> {
  const port = await freePort();
  const prepared = peer.prepare({ fixtures, host: HOST, port, variant });
  if ('absent' in prepared) return { kind: 'absent', reason: prepared.absent };
  if ('failed' in prepared) return { kind: 'failed', reason: prepared.failed };

  const command = [...(variant === 'multicore' ? [] : pinning.server), ...prepared.command];
  const child = startProcess(command, { cwd: fixtures.scratch });
  const tail = collectTail(child);
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const alive = (): boolean => spawnError === undefined && child.exitCode === null && child.signalCode === null;

  const accepted = await waitForAccept(port, START_TIMEOUT_MS, () => !alive());
  if (!accepted || child.pid === undefined) {
    const why = spawnError
      ? spawnError.message
      : !alive()
        ? `exited with ${child.exitCode ?? child.signalCode}`
        : `did not accept on ${HOST}:${port} within ${START_TIMEOUT_MS / 1000} s`;
    await stopProcess(child, 500);
    const output = lastLines(tail(), 3);
    return { kind: 'failed', reason: output === '' ? why : `${why}: ${output}` };
  }
  const pid = child.pid;
  return {
    kind: 'running',
    server: { peer, port, pid, variant, command, config: prepared.config, alive, outputTail: tail, stop: () => stopProcess(child) },
  };
}
