/**
 * Runs the real CLI (`node dist/src/cli/main.js ...`) for end-to-end tests: every child is
 * bounded in time and killed if it outlives its test.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dist/test/helpers/ -> dist/src/cli/main.js */
export const PORTA_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface PortaResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface PortaOptions {
  /** Standard input: bytes, or `{ file }` to give the child a real file as stdin. */
  readonly stdin?: Buffer | string | { readonly file: string };
  /** Killed with SIGKILL after this long (default 15 s). */
  readonly timeoutMs?: number;
  /** Run as this user and group (e.g. nobody, to see the privileged-port error as root). */
  readonly uid?: number;
  readonly gid?: number;
}

export interface RunningPorta {
  readonly child: ChildProcess;
  /** Standard error so far. */
  stderr(): string;
  /** Standard output so far. */
  stdout(): Buffer;
  /** Resolves with the first match of `pattern` in standard error. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the child has exited. */
  readonly exited: Promise<PortaResult>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<PortaResult>;
}

export function startPorta(args: readonly string[], options: PortaOptions = {}): RunningPorta {
  const stdinFd = typeof options.stdin === 'object' && !Buffer.isBuffer(options.stdin) ? openSync(options.stdin.file, 'r') : undefined;
  const spawnOptions: SpawnOptions = {
    stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  };
  const child = spawn(process.execPath, [PORTA_MAIN, ...args], spawnOptions);
  if (stdinFd !== undefined) closeSync(stdinFd);

  const out: Buffer[] = [];
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    err += chunk;
    for (const wake of waiters) wake();
  });
  if (child.stdin) {
    child.stdin.on('error', () => undefined);
    if (options.stdin === undefined) child.stdin.end();
    else if (typeof options.stdin === 'string' || Buffer.isBuffer(options.stdin)) child.stdin.end(options.stdin);
  }

  let done = false;
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  const exited = new Promise<PortaResult>((resolve) => {
    child.on('close', (code, signal) => {
      done = true;
      clearTimeout(killer);
      for (const wake of waiters) wake();
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
  });

  return {
    child,
    exited,
    stderr: () => err,
    stdout: () => Buffer.concat(out),
    waitForStderr(pattern, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ${pattern} on stderr within ${timeoutMs} ms; got: ${err}`)), timeoutMs);
        const finish = (failure?: Error, match?: RegExpMatchArray): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (failure) reject(failure);
          else resolve(match as RegExpMatchArray);
        };
        const check = (): void => {
          const match = pattern.exec(err);
          if (match) finish(undefined, match);
          else if (done) finish(new Error(`porta exited before printing ${pattern}; stderr: ${err}`));
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** Runs porta to completion. */
export function runPorta(args: readonly string[], options: PortaOptions = {}): Promise<PortaResult> {
  return startPorta(args, options).exited;
}

/**
 * How to run porta as an unprivileged user, for checks that root would skip (privileged
 * ports, unreadable folders): as root, `nobody`; otherwise as this user. A string (the reason
 * to skip) when root's checkout cannot be read by nobody, as in a clone made inside a folder
 * only root can enter (`mktemp -d`, /root in many CI containers).
 */
export function unprivilegedUser(): { readonly uid?: number; readonly gid?: number } | string {
  if (process.getuid?.() !== 0) return {};
  const nobody = { uid: 65534, gid: 65534 };
  const canRead = spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(PORTA_MAIN)})`], nobody);
  return canRead.status === 0 ? nobody : 'the checkout is not readable by the unprivileged user (nobody), so this cannot be tried as root here';
}
