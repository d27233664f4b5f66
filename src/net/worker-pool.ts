/**
 * Worker processes sharing one listening port (docs/serve.md `--workers`). The primary forks N
 * copies of the current command (node:cluster re-runs the same argv), replaces any that
 * die unexpectedly, and on shutdown asks each to stop gracefully and waits for all.
 *
 * Scheduling is left to the kernel (SCHED_NONE): every worker accepts on the shared socket
 * itself, which avoids the primary handing each connection over IPC (the round-robin
 * default), the dominant cost when connections are short-lived.
 */
import { takeEarlyStopSignal } from './stop-signals.js';
import type { Cluster, Worker } from 'node:cluster';
import { lazyBuiltin } from '../lazy-builtin.js';

/** Loaded only by a primary that forks workers, and in the workers. */
const cluster = lazyBuiltin<Cluster>('node:cluster');
/** Set in every worker's environment, so a process that is not one never loads node:cluster. */
const WORKER_MARK = 'PORTA_WORKER';

export interface WorkerPoolOptions {
  readonly count: number;
  /** Environment added for every worker (e.g. a shared Digest secret). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Called once, when the first worker serves, with the ports it listens on in the order it
   * opened them (the port, then any other listener, e.g. --redirect-http).
   */
  readonly onFirstListening: (ports: readonly number[]) => void;
  /** One line about a worker event (crash and replacement), for standard error. */
  readonly report: (line: string) => void;
  /** A worker could not start serving (port in use...): the pool cannot work at all. */
  readonly onFatal: (message: string) => void;
}

export interface WorkerPool {
  /**
   * Asks each worker in turn to reload (SIGHUP, docs/serve.md), waiting for one to finish before the
   * next, so most keep serving while one reloads; resolves with the workers' failures.
   */
  reload(): Promise<string[]>;
  /** Asks every worker to finish gracefully; resolves when all have exited. */
  shutdown(graceMs: number): Promise<void>;
}

/** Message the primary sends a worker to begin its graceful shutdown. */
export const SHUTDOWN_MESSAGE = 'porta:shutdown';

/** Message the primary sends a worker to reload; the worker answers with a ReloadedMessage. */
export const RELOAD_MESSAGE = 'porta:reload';
/** A worker that has not reloaded in this long is reported and skipped. */
const RELOAD_TIMEOUT_MS = 10_000;

interface ReloadedMessage {
  readonly porta: 'reloaded';
  /** Why the reload was refused; undefined when it worked. */
  readonly error: string | undefined;
}

function isReloadedMessage(message: unknown): message is ReloadedMessage {
  return typeof message === 'object' && message !== null && (message as ReloadedMessage).porta === 'reloaded';
}

/** A worker is serving (on these ports) and listens for reload requests. */
interface ReadyMessage {
  readonly porta: 'ready';
  readonly ports: readonly number[];
}

function isReadyMessage(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && (message as ReadyMessage).porta === 'ready' && Array.isArray((message as ReadyMessage).ports);
}

/**
 * In a worker: runs `reload` for each reload request of the primary and answers with its
 * outcome (the error message, or undefined). SIGHUP itself goes to the primary, which
 * orders the workers; one that reaches a worker too (a terminal hang-up reaches the whole
 * process group) is ignored rather than killing it.
 */
export function onReloadRequest(reload: () => Promise<string | undefined>, ports: readonly number[]): void {
  process.on('SIGHUP', () => undefined);
  process.on('message', (message: unknown) => {
    if (message !== RELOAD_MESSAGE) return;
    void reload().then((error) => process.send?.({ porta: 'reloaded', error } satisfies ReloadedMessage));
  });
  process.send?.({ porta: 'ready', ports } satisfies ReadyMessage);
}

/** Asks one worker to reload; resolves with its failure, if any. */
function reloadWorker(worker: Worker): Promise<string | undefined> {
  return new Promise((resolve) => {
    const done = (outcome: string | undefined): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(outcome);
    };
    const onMessage = (message: unknown): void => {
      if (isReloadedMessage(message)) done(message.error === undefined ? undefined : `worker ${worker.process.pid}: ${message.error}`);
    };
    const onExit = (): void => done(undefined);
    const timer = setTimeout(() => done(`worker ${worker.process.pid} did not reload within ${RELOAD_TIMEOUT_MS / 1000} s`), RELOAD_TIMEOUT_MS);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.send(RELOAD_MESSAGE, undefined, (error) => error && done(undefined));
  });
}

/** A worker dying this soon after its start is crash-looping: replace it after a pause. */
const CRASH_LOOP_MS = 1000;
const CRASH_LOOP_DELAY_MS = 1000;

/** Must be set before the first fork. */
function prepareCluster(): void {
  cluster().schedulingPolicy = cluster().SCHED_NONE;
}

export function isWorkerProcess(): boolean {
  return process.env[WORKER_MARK] === '1' && cluster().isWorker;
}

interface FatalMessage {
  readonly porta: 'fatal';
  readonly message: string;
}

function isFatalMessage(message: unknown): message is FatalMessage {
  return typeof message === 'object' && message !== null && (message as FatalMessage).porta === 'fatal';
}

/**
 * In a worker: resolves when the primary asks for a graceful stop, goes away, or sends
 * SIGTERM. SIGINT is ignored: a Ctrl+C reaches the whole process group, and the primary
 * orders the shutdown so that it does not mistake the exits for crashes.
 */
export function waitForPrimaryShutdownRequest(): Promise<void> {
  return new Promise((resolve) => {
    process.on('SIGINT', () => undefined);
    process.once('SIGTERM', () => resolve());
    // A SIGTERM that came while this worker was still loading (see stop-signals.ts).
    if (takeEarlyStopSignal() === 'SIGTERM') resolve();
    process.once('disconnect', () => resolve());
    process.on('message', (message: unknown) => {
      if (message === SHUTDOWN_MESSAGE) resolve();
    });
  });
}

/** In a worker: tells the primary this worker cannot serve, and why. */
export function reportFatalToPrimary(message: string): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send({ porta: 'fatal', message } satisfies FatalMessage, undefined, {}, () => resolve());
  });
}

export function startWorkerPool(options: WorkerPoolOptions): WorkerPool {
  prepareCluster();
  let stopping = false;
  let announced = false;
  const startedAt = new Map<Worker, number>();
  const listening = new Set<Worker>();
  /** Resolves when the worker can take reload requests (or has gone). */
  const ready = new Map<Worker, Promise<void>>();

  const fork = (): void => {
    const worker = cluster().fork({ ...options.env, [WORKER_MARK]: '1' });
    startedAt.set(worker, Date.now());
    ready.set(worker, new Promise((resolve) => {
      worker.on('message', (message: unknown) => {
        if (!isReadyMessage(message)) return;
        resolve();
        if (!announced) {
          announced = true;
          options.onFirstListening(message.ports);
        }
      });
      worker.once('exit', () => resolve());
    }));
    // A worker that has gone away can make a send fail with EPIPE; its exit is handled below.
    worker.on('error', () => undefined);
    worker.on('message', (message: unknown) => {
      if (isFatalMessage(message) && !stopping) options.onFatal(message.message);
    });
    worker.on('listening', () => {
      listening.add(worker);
    });
  };

  cluster().on('exit', (worker, code, signal) => {
    const started = startedAt.get(worker) ?? 0;
    startedAt.delete(worker);
    ready.delete(worker);
    // A clean exit is a worker that was told to stop (or stopped itself on purpose).
    if (stopping || (code === 0 && signal === null)) return;
    options.report(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting a replacement`);
    const delay = Date.now() - started < CRASH_LOOP_MS ? CRASH_LOOP_DELAY_MS : 0;
    setTimeout(fork, delay);
  });

  for (let i = 0; i < options.count; i++) fork();

  return {
    async reload(): Promise<string[]> {
      const failures: string[] = [];
      // Workers forked from now on read the new configuration themselves; one still starting
      // may have read the old one, so it is waited for (within the reload's time limit).
      for (const worker of Object.values(cluster().workers ?? {})) {
        if (worker === undefined) continue;
        const timedOut = await Promise.race([
          ready.get(worker)?.then(() => false) ?? Promise.resolve(false),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(true), RELOAD_TIMEOUT_MS).unref()),
        ]);
        if (stopping || worker.isDead() || !worker.isConnected()) continue;
        if (timedOut) {
          failures.push(`worker ${worker.process.pid} did not start within ${RELOAD_TIMEOUT_MS / 1000} s`);
          continue;
        }
        const failure = await reloadWorker(worker);
        if (failure !== undefined) failures.push(failure);
      }
      return failures;
    },
    shutdown(graceMs: number): Promise<void> {
      stopping = true;
      const workers = Object.values(cluster().workers ?? {}).filter((w): w is Worker => w !== undefined);
      const exits = workers.map((worker) => new Promise<void>((resolve) => {
        if (worker.isDead()) return resolve();
        worker.once('exit', () => resolve());
        // A worker still starting may not hear messages yet, and has nothing to finish: SIGTERM.
        if (listening.has(worker) && worker.isConnected()) worker.send(SHUTDOWN_MESSAGE, undefined, (error) => error && worker.kill('SIGTERM'));
        else worker.kill('SIGTERM');
      }));
      // Workers bound their own grace; this is the backstop for a stuck one.
      const backstop = setTimeout(() => {
        for (const worker of workers) if (!worker.isDead()) worker.kill('SIGKILL');
      }, graceMs + 2000);
      backstop.unref();
      return Promise.all(exits).then(() => clearTimeout(backstop));
    },
  };
}
