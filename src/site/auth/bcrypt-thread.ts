/**
 * bcrypt checks on one worker thread per process, so that a check (about 70 ms at cost 10,
 * doubling with each cost step) never stalls the other connections. bcryptjs's own "async"
 * compare only slices the work into 100 ms pieces on the main thread, which at the costs
 * htpasswd writes is one piece: the whole stall.
 *
 * Bounds: at most MAX_PENDING checks wait or run at once (more is 503 with Retry-After), and
 * each must finish within CHECK_DEADLINE_MS of being asked (else 503; the thread skips a job
 * whose deadline passed). The thread starts on the first check, keeps the process alive only
 * while checks are waiting, and ends after IDLE_MS without work. A thread that fails is replaced on
 * the next check; the checks it held end as 500 with the cause in the error log.
 */
import { Worker } from 'node:worker_threads';
import { HttpError } from '../../http/http-error.js';
import type { BcryptAnswer, BcryptJob } from './bcrypt-worker.js';

export const MAX_PENDING = 64;
export const CHECK_DEADLINE_MS = 10_000;
const IDLE_MS = 5 * 60_000;
const BUSY_RETRY_AFTER = '5';

interface Pending {
  readonly resolve: (matches: boolean) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

let worker: Worker | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let nextId = 1;
let checksStarted = 0;
const pending = new Map<number, Pending>();

function busy(why: string): HttpError {
  return new HttpError(503, `The server is busy checking passwords (${why}); try again shortly.`, { headers: [['Retry-After', BUSY_RETRY_AFTER]] });
}

/** Ends every waiting check with `error` and forgets the thread (the next check starts one). */
function fail(failed: Worker, error: unknown): void {
  if (worker !== failed) return;
  worker = undefined;
  for (const [id, job] of pending) {
    clearTimeout(job.timer);
    pending.delete(id);
    job.reject(new HttpError(500, 'The password check failed.', { cause: error }));
  }
}

function thread(): Worker {
  if (worker !== undefined) return worker;
  const started = new Worker(new URL('./bcrypt-worker.js', import.meta.url));
  started.on('message', (answer: BcryptAnswer) => {
    const job = pending.get(answer.id);
    if (job === undefined) return; // Timed out already.
    pending.delete(answer.id);
    clearTimeout(job.timer);
    if (answer.matches === undefined) job.reject(busy('a check waited too long'));
    else job.resolve(answer.matches);
    if (pending.size === 0) idleSoon();
  });
  started.on('error', (error) => fail(started, error));
  started.on('exit', (code) => fail(started, new Error(`the bcrypt thread exited with code ${code}`)));
  worker = started;
  return started;
}

/** No check waiting: the thread no longer keeps the process alive, and ends if none comes. */
function idleSoon(): void {
  worker?.unref();
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (pending.size > 0 || worker === undefined) return;
    const idle = worker;
    worker = undefined;
    void idle.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

/**
 * Starts the thread ahead of the first check (it takes a few hundred milliseconds to load),
 * when a control file with bcrypt lines is read. It ends again after IDLE_MS if no check comes.
 */
export function prepareBcryptThread(): void {
  if (worker !== undefined) return;
  thread();
  if (pending.size === 0) idleSoon();
}

/** How many checks were handed to the thread since the process started (for tests and measurements). */
export function bcryptChecksStarted(): number {
  return checksStarted;
}

/** Whether `password` matches the bcrypt `hash`; rejects with an HttpError (503/500). */
export function bcryptMatches(password: string, hash: string): Promise<boolean> {
  if (pending.size >= MAX_PENDING) return Promise.reject(busy(`${MAX_PENDING} checks are waiting`));
  clearTimeout(idleTimer);
  const id = nextId++;
  const notAfter = Date.now() + CHECK_DEADLINE_MS;
  return new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(busy('a check took too long'));
      if (pending.size === 0) idleSoon();
    }, CHECK_DEADLINE_MS);
    timer.unref();
    pending.set(id, { resolve, reject, timer });
    const job: BcryptJob = { id, password, hash, notAfter };
    const running = thread();
    running.ref();
    running.postMessage(job);
    checksStarted++;
  });
}
