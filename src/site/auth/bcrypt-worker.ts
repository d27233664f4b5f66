/**
 * The thread that runs bcrypt checks (see bcrypt-thread.ts). bcrypt is CPU work by design,
 * tens of milliseconds per check; run here, it never holds up the server's event loop.
 * A check whose deadline passed while it waited is skipped: its request was already answered.
 */
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

export interface BcryptJob {
  readonly id: number;
  readonly password: string;
  readonly hash: string;
  /** Date.now() after which the answer is no longer wanted. */
  readonly notAfter: number;
}

export interface BcryptAnswer {
  readonly id: number;
  /** true: matches; false: does not (or the hash is not bcrypt); undefined: skipped, too late. */
  readonly matches: boolean | undefined;
}

parentPort?.on('message', (job: BcryptJob) => {
  let matches: boolean | undefined;
  if (Date.now() <= job.notAfter) {
    try {
      matches = bcrypt.compareSync(job.password, job.hash);
    } catch {
      matches = false;
    }
  }
  const answer: BcryptAnswer = { id: job.id, matches };
  parentPort?.postMessage(answer);
});
