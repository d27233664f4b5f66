/**
 * SIGHUP (docs/serve.md): re-read the config file, the redirect rules and the certificates, and
 * serve new requests with them, without dropping a connection or a request. What a reload
 * can change is what the site and the certificate are made of; the listener's own settings
 * (address, port, workers, limits, the log) stay as they were until a restart, and the
 * reload says so in its one line.
 */
import { takeEarlyReloadSignal } from '../net/stop-signals.js';
import type { ServeOptions } from './serve-options.js';

/** Settings a running listener cannot take over, by the flag a user would change. */
const RESTART_ONLY: ReadonlyArray<readonly [keyof ServeOptions, string]> = [
  ['host', '--host'],
  ['port', '--port'],
  ['workers', '--workers'],
  ['maxConnections', '--max-connections'],
  ['accessLog', '--access-log'],
  ['logFormat', '--log-format'],
  ['keepAliveTimeoutMs', '--keep-alive-timeout'],
  ['headerTimeoutMs', '--header-timeout'],
  ['sendTimeoutMs', '--send-timeout'],
  ['stopTimeoutMs', '--stop-timeout'],
  ['maxBodyBytes', '--max-body'],
  ['maxUriBytes', '--max-uri'],
  ['redirectHttpPort', '--redirect-http'],
];

/** The flags whose new values a reload could not apply. */
export function restartOnlyChanges(running: ServeOptions, next: ServeOptions): string[] {
  const changed = RESTART_ONLY.filter(([key]) => running[key] !== next[key]).map(([, flag]) => flag);
  if ((running.tls?.kind ?? 'off') !== (next.tls?.kind ?? 'off')) changed.push('--tls-cert/--tls-self-signed');
  return changed;
}

/** The one line a successful reload prints. */
export function reloadedLine(notApplied: readonly string[], what = 'reloaded the configuration'): string {
  return notApplied.length === 0 ? `porta: ${what}\n` : `porta: ${what}; ${notApplied.join(', ')} changed and need${notApplied.length === 1 ? 's' : ''} a restart\n`;
}

/** The one line a refused reload prints. */
export function refusedLine(error: unknown): string {
  return `porta: reload refused, still serving the previous configuration: ${error instanceof Error ? error.message : String(error)}\n`;
}

/**
 * Calls `reload` on every SIGHUP (and once for a SIGHUP that came while starting), one at
 * a time: a SIGHUP during a reload runs one more after it. Returns the function that stops listening.
 */
export function onReloadSignal(reload: () => Promise<void>): () => void {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    if (running !== undefined) {
      again = true;
      return;
    }
    running = reload().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  process.on('SIGHUP', run);
  if (takeEarlyReloadSignal()) run();
  return () => process.off('SIGHUP', run);
}
