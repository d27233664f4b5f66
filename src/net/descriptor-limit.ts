/**
 * How many connections the process can hold: each one is a file descriptor, and files being
 * sent, CGI pipes and the log need descriptors too. Past the limit, accept() fails and
 * clients are reset; porta keeps a tenth of the descriptors (at least 64) in reserve and
 * closes connections beyond the rest as soon as they are accepted.
 */
import { readFileSync } from 'node:fs';

/** The soft RLIMIT_NOFILE of this process (Linux /proc), or undefined where it cannot be read. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    const value = soft === undefined ? NaN : Number(soft);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The default for --max-connections: the descriptor limit less a reserve; undefined when unknown. */
export function defaultMaxConnections(): number | undefined {
  const limit = openFilesLimit();
  if (limit === undefined) return undefined;
  return Math.max(16, limit - Math.max(64, Math.floor(limit / 10)));
}
