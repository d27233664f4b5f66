/**
 * A Node built-in loaded on first use instead of at start. `porta serve` loads TLS, zlib,
 * child processes and the cluster module only when a request or an option needs them: each
 * one loaded pages in more of the node binary and allocates its own state, and an idle
 * server that never uses them should not pay for them (docs/performance.md, memory).
 */
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

export function lazyBuiltin<T>(name: `node:${string}`): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireBuiltin(name) as T);
}
