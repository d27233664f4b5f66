/** A `porta serve` child process for the soak and attack scripts, and what /proc says about it. */
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { makeTempSite, type SiteEntry, type TempSite } from '../../test/helpers/porta-server.js';
import { startPorta, type RunningPorta } from '../../test/helpers/spawn-porta.js';

export interface PortaChild {
  readonly porta: RunningPorta;
  readonly pid: number;
  readonly port: number;
  readonly site: TempSite;
  stop(): Promise<number | null>;
}

/** Builds a site from `entries`, starts `porta serve` on it (127.0.0.1, any port) with `flags`. */
export async function startPortaChild(entries: Readonly<Record<string, SiteEntry>>, flags: readonly string[], lifetimeMs: number, executables: readonly string[] = []): Promise<PortaChild> {
  const site = await makeTempSite(entries);
  for (const name of executables) chmodSync(site.path(name), 0o755);
  const porta = startPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', ...flags], { timeoutMs: lifetimeMs });
  const [, port] = await porta.waitForStderr(/Local:\s+http:\/\/[^:]+:(\d+)\//, 15_000);
  return {
    porta,
    pid: porta.child.pid as number,
    port: Number(port),
    site,
    async stop() {
      const result = await porta.stop('SIGTERM');
      await site.cleanup();
      return result.code;
    },
  };
}

/** Resident set size of a process, in bytes (VmRSS). */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

/** Open descriptors of a process. */
export function descriptorsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Least-squares growth of `ys` (sampled at `xs`) over the span of xs: slope times (last x - first x). */
export function fittedGrowth(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * ((xs[n - 1] as number) - (xs[0] as number));
}
