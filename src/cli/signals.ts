/**
 * Resolves on the first SIGINT or SIGTERM (including one that arrived while the service was
 * starting, see net/stop-signals.ts), so a service can stop gracefully and exit 0.
 * A second signal while it is stopping exits at once with code 1 (the impatient Ctrl+C).
 */
import { takeEarlyStopSignal } from '../net/stop-signals.js';

export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const force = (): void => process.exit(1);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const early = takeEarlyStopSignal();
    if (early !== undefined) stop(early);
  });
}
