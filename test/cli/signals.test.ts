/**
 * A stop signal that arrives while a service is still starting (its modules loading, before
 * its own handlers exist) is held and honoured as a graceful stop, never Node's default
 * death by signal (issue: a test signalled 400 ms after start and the process died on a busy
 * machine). A child process plays the slow start: it captures, says so, waits, then installs
 * the real handler.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SIGNALS = fileURLToPath(new URL('../../src/cli/signals.js', import.meta.url));
const STOP_SIGNALS = fileURLToPath(new URL('../../src/net/stop-signals.js', import.meta.url));

const SCRIPT = `
const { captureStopSignals } = await import(${JSON.stringify(STOP_SIGNALS)});
captureStopSignals();
process.stdout.write('captured\\n');
// A slow start: the real handler comes only after the parent has sent its signal.
await new Promise((resolve) => process.stdin.once('data', resolve));
const { waitForStopSignal } = await import(${JSON.stringify(SIGNALS)});
const signal = await waitForStopSignal();
process.stdout.write('stopped by ' + signal + '\\n');
process.exit(0);
`;

function run(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout === 'captured\n') {
        child.kill(signal);
        // Only then let it finish "starting".
        setImmediate(() => child.stdin.write('go\n'));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, exitSignal) => resolve({ code, signal: exitSignal, stdout }));
  });
}

describe('stop signals during start-up', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} before the service's handler exists: held, then a graceful stop (exit 0)`, { timeout: 10_000 }, async () => {
      const result = await run(signal);
      assert.equal(result.signal, null, 'not killed by the signal');
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `captured\nstopped by ${signal}\n`);
    });
  }
});
