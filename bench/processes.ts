/**
 * Every child the bench starts goes through here, so none is left behind: on normal exit,
 * on an uncaught error and on SIGINT/SIGTERM the registry kills what is still running.
 * Also CPU pinning (taskset) and PATH look-ups.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { cpus } from 'node:os';
import { delimiter, join } from 'node:path';

const running = new Set<ChildProcess>();
const cleanups: Array<() => void> = [];

/** Finds an executable on PATH, plus the sbin directories a non-root PATH often lacks. */
export function findExecutable(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin', ...extraDirs];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface Pinning {
  /** Prefix for the server command, e.g. ['taskset', '-c', '0'], or [] when unpinned. */
  readonly server: readonly string[];
  readonly loadGenerator: readonly string[];
  readonly note: string;
}

/** Server on CPU 0, load generator on CPU 1 (spec method), when taskset and 2 CPUs exist. */
export function choosePinning(): Pinning {
  const taskset = findExecutable('taskset');
  if (taskset === undefined) {
    return { server: [], loadGenerator: [], note: 'unpinned: taskset not found (apt-get install -y util-linux)' };
  }
  if (cpus().length < 2) return { server: [], loadGenerator: [], note: 'unpinned: fewer than 2 CPUs' };
  return { server: [taskset, '-c', '0'], loadGenerator: [taskset, '-c', '1'], note: 'server on CPU 0, load generator on CPU 1' };
}

export interface StartOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Spawns a tracked child; stdout/stderr are piped so callers can read or discard them. */
export function startProcess(command: readonly string[], options: StartOptions = {}): ChildProcess {
  const [file, ...args] = command;
  if (file === undefined) throw new Error('empty command');
  const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  child.on('error', () => running.delete(child));
  return child;
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the child has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (!isAlive(child) || child.pid === undefined) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (isAlive(child)) child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}

/** Registers work (temp dir removal) to do on any exit. Runs synchronously, once. */
export function onExit(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/** SIGKILLs every running child; returns a promise settled once they exited (reaped). */
function killAllNow(): Promise<void> {
  const exits: Array<Promise<void>> = [];
  for (const child of running) {
    if (!isAlive(child)) continue;
    exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
    child.kill('SIGKILL');
  }
  running.clear();
  return Promise.all(exits).then(() => undefined);
}

function runCleanups(): void {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      cleanup?.();
    } catch {
      // best effort at exit
    }
  }
}

let installed = false;

/** Installs the exit and signal handlers once. */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    void killAllNow();
    runCleanups();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping servers\n`);
      // Wait (briefly) for the children to exit so they are reaped, not left as zombies.
      const bounded = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      void Promise.race([killAllNow(), bounded]).then(() => {
        runCleanups();
        process.exit(130);
      });
    });
  }
}

export interface CommandOutput {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs a tracked command to completion, killing it if it outlives timeoutMs. */
export function runCommand(command: readonly string[], timeoutMs: number, options: StartOptions = {}): Promise<CommandOutput> {
  return new Promise((resolve) => {
    const child = startProcess(command, options);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${error.message}`, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
