/**
 * SIGINT and SIGTERM that arrive while a service is still starting. Node's default action
 * for them is to die at once (exit code 130/143 instead of porta's graceful 0); a service
 * installs its real handlers only once its modules are loaded, which takes a moment on a busy
 * machine. captureStopSignals() is called first thing, and the real handlers take over what
 * was captured, so a stop request is never lost or turned into a crash.
 */
let early: NodeJS.Signals | undefined;
let capturing = false;

function record(signal: NodeJS.Signals): void {
  // A second signal while still starting: the impatient Ctrl+C, as during a graceful stop.
  if (early !== undefined) process.exit(1);
  early = signal;
}

export function captureStopSignals(): void {
  if (capturing) return;
  capturing = true;
  process.on('SIGINT', record);
  process.on('SIGTERM', record);
}

/** Ends the capture; returns the stop signal that arrived during it, if one did. */
export function takeEarlyStopSignal(): NodeJS.Signals | undefined {
  if (capturing) {
    process.off('SIGINT', record);
    process.off('SIGTERM', record);
    capturing = false;
  }
  const signal = early;
  early = undefined;
  return signal;
}

/**
 * SIGHUP (reload, `porta serve`) while starting: Node's default would kill the process. It
 * is held from the first moment and run once the server can reload.
 */
let earlyReload = false;
let holdingReload = false;

function recordReload(): void {
  earlyReload = true;
}

export function captureReloadSignal(): void {
  if (holdingReload) return;
  holdingReload = true;
  process.on('SIGHUP', recordReload);
}

/** Ends the hold; true when a SIGHUP arrived during it. */
export function takeEarlyReloadSignal(): boolean {
  if (holdingReload) {
    process.off('SIGHUP', recordReload);
    holdingReload = false;
  }
  const reload = earlyReload;
  earlyReload = false;
  return reload;
}
