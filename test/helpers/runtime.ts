/**
 * Which runtime the suite runs on: Node (`node --test`) or Bun (`bun test`, `npm run
 * test:bun`). Under Bun, process.execPath is bun, so tests that spawn porta spawn it on Bun
 * too. The few tests that cannot mean anything on Bun skip with one of the reasons below
 * (printed once per file by `announceSkip`, and shown by the runner as the skip reason).
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

interface BunGlobal {
  readonly version: string;
  gc(force: boolean): void;
}

const bun = (globalThis as { Bun?: BunGlobal }).Bun;

/** True when this process runs on Bun. */
export const onBun = bun !== undefined;

/** A readable name for messages: `bun 1.4.5` or `node v20.x`. */
export const runtimeName = bun !== undefined ? `bun ${bun.version}` : `node ${process.version}`;

/** The differential tests compare porta's parser with node:http's (llhttp): only Node has that oracle. */
export const LLHTTP_ORACLE_REASON =
  "its oracle is Node's HTTP parser (llhttp); Bun's node:http has another parser, so this comparison runs under Node only";

/** Bun's TLS client has no renegotiate() (its TLSSocket.renegotiate returns false: "unsupported by this TLS implementation"). */
export const TLS_RENEGOTIATION_REASON =
  "Bun's TLS client cannot start a renegotiation (tls.TLSSocket.renegotiate is unsupported there), so there is nothing to refuse; this test runs under Node";

/** The skip option for node:test / bun test: the reason on Bun, false on Node. */
export function skipOnBun(reason: string): string | false {
  return onBun ? `skipped under Bun: ${reason}` : false;
}

/** Prints the reason once, at module load, so the Bun run's output says why a file's tests are skipped. */
export function announceSkip(what: string, reason: string): void {
  if (onBun) console.log(`[${runtimeName}] skipping ${what}: ${reason}`);
}

/**
 * A forced full garbage collection, so heap samples compare like with like: Bun.gc(true) on
 * Bun, V8's gc() (exposed at run time, on first use) on Node.
 */
export function collectGarbage(): void {
  if (bun !== undefined) bun.gc(true);
  else (v8Gc ??= exposeV8Gc())();
}

let v8Gc: (() => void) | undefined;

function exposeV8Gc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
