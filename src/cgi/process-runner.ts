/**
 * Runs one CGI program (RFC 3875): spawned directly (no shell) in its own process group,
 * with the request body on standard input and its output read as a header block and a
 * body. Every run has an end, and at its end the whole process group is killed, so nothing
 * a program started outlives its request:
 * - its deadline (`timeoutMs`), whatever it is doing;
 * - its client leaving (`clientGone`), or its body being abandoned (HEAD, a write cut short);
 * - its exit and the end of its output, whichever comes second, or `graceMs` after the
 *   first: a program that exits while something it started keeps its output open is ended
 *   there (before its header block that is a failure: the client gets 504), and so is one
 *   that closes its output and runs on;
 * - porta exiting.
 * Runs still going are counted (`runningCgiPrograms`), so the caller can cap them.
 */
import type { ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { lazyBuiltin } from '../lazy-builtin.js';
import { CgiHeaderParser, DEFAULT_MAX_HEADER_BYTES, type CgiHead } from './header-block.js';
import { CgiRunError, type CgiFailure } from './run-error.js';

/** Loaded by the first CGI request, not by every server. */
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** How long a program's exit waits for its output to end, and the other way round. */
export const DEFAULT_GRACE_MS = 2000;

export interface CgiRunOptions {
  /** Absolute path of the program. */
  readonly program: string;
  /** What names the program in error messages (its URL path). */
  readonly label: string;
  /** Its working directory (the program's own directory, docs/serve.md, CGI programs). */
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** The request body, or undefined for none (standard input is then empty). */
  readonly input: Readable | undefined;
  /** Called when the program stops reading its input before the end (it exited or closed it). */
  readonly onInputUnread?: () => void;
  readonly timeoutMs: number;
  readonly graceMs?: number;
  readonly maxHeaderBytes?: number;
  /** Aborted when the client has left: the run ends then. */
  readonly clientGone?: AbortSignal;
  /** One line the program wrote to standard error (without its line end). */
  readonly onStderrLine: (line: string) => void;
  /** A condition that ended the run without failing its answer (e.g. a child holding the output after the answer began). */
  readonly onCondition: (condition: CgiRunError) => void;
}

export interface CgiRun {
  /** The header block, once complete; rejects with a CgiRunError. */
  readonly head: Promise<CgiHead>;
  /** After the head: whether any body follows (resolves on the first byte or the end). */
  hasBody(): Promise<boolean>;
  /** After the head: the body, with backpressure; destroying it kills the program. */
  body(): Readable;
  /** Kills the program's process group (idempotent). */
  kill(): void;
}

const MAX_STDERR_LINE = 4096;

/** Runs still going, killed if porta exits first. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // A negative pid names the process group: the program and whatever it started. The
    // group's id stays reserved while any member lives, so this reaches only the run's own.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Programs started and not yet ended, in this process. */
export function runningCgiPrograms(): number {
  return running.size;
}

/** Kills every program still running (porta is stopping). */
export function stopAllCgiPrograms(): void {
  for (const child of running) killGroup(child);
  running.clear();
}

export function runCgiProgram(options: CgiRunOptions): CgiRun {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', stopAllCgiPrograms);
  }
  const label = options.label;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const child = childProcess().spawn(options.program, [], {
    cwd: options.cwd,
    env: options.env,
    // Its own process group (setsid), so a kill reaches everything it started.
    detached: true,
    shell: false,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const stdout = child.stdout as Readable;
  const stderr = child.stderr as Readable;
  let exited = false;
  let outputEnded = false;
  /** The run has ended: its group was killed and it no longer counts as running. */
  let over = false;
  let failure: CgiRunError | undefined;
  let headDone = false;
  let rest: Buffer = Buffer.alloc(0);
  let rejectHead: (error: unknown) => void = () => undefined;
  let resolveHead: (head: CgiHead) => void = () => undefined;
  const head = new Promise<CgiHead>((resolve, reject) => {
    resolveHead = resolve;
    rejectHead = reject;
  });
  // The handler may never await it (it failed first): no unhandled rejection.
  head.catch(() => undefined);
  let graceTimer: NodeJS.Timeout | undefined;
  const signal = options.clientGone;

  /** Ends the run: kills whatever is left of its process group (idempotent). */
  const end = (): void => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    clearTimeout(graceTimer);
    signal?.removeEventListener('abort', onClientGone);
    killGroup(child);
    running.delete(child);
  };
  /** Ends the run with a failure: before the head the head fails; after it the body does. */
  const fail = (kind: CgiFailure, detail: string, reason?: unknown): void => {
    if (over) return;
    failure = new CgiRunError(kind, label, detail, reason);
    end();
    if (!headDone) {
      headDone = true;
      rejectHead(failure);
    }
    if (!stdout.readableEnded && !stdout.destroyed) stdout.destroy(failure);
  };
  const onClientGone = (): void => fail('client-gone', 'the client left before the answer was out; the program was stopped');

  /** One of exit and end of output has happened: the other gets `graceMs`. */
  const exitOrOutputEnded = (): void => {
    if (over) return;
    if (exited && outputEnded) {
      end();
      return;
    }
    if (graceTimer !== undefined) return;
    graceTimer = setTimeout(() => {
      const seconds = graceMs / 1000;
      if (!exited) {
        options.onCondition(new CgiRunError('orphaned-output', label, `the program still ran ${seconds} s after its output ended and was stopped`));
        end();
      } else if (!headDone) {
        fail('orphaned-output', `the program exited, but something it started kept its output open; stopped after ${seconds} s`);
      } else {
        // The answer has begun: killing the holders ends the output, and with it the answer.
        options.onCondition(new CgiRunError('orphaned-output', label, `the program exited, but something it started kept its output open; stopped after ${seconds} s`));
        end();
      }
    }, graceMs);
    graceTimer.unref();
  };

  const timer = setTimeout(() => fail('timeout', `the program ran longer than ${options.timeoutMs / 1000} s and was killed`), options.timeoutMs);
  timer.unref();
  if (child.pid !== undefined) running.add(child);

  child.on('error', (error) => fail('spawn', `the program could not be run: ${error.message}`, error));
  child.on('exit', () => {
    exited = true;
    exitOrOutputEnded();
  });

  // Standard error: line by line to porta's error output; an endless line is cut.
  let partial = '';
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    partial += text;
    let newline = partial.indexOf('\n');
    while (newline !== -1) {
      options.onStderrLine(partial.slice(0, newline).replace(/\r$/, ''));
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
    }
    if (partial.length > MAX_STDERR_LINE) {
      options.onStderrLine(`${partial.slice(0, MAX_STDERR_LINE)} [...]`);
      partial = '';
    }
  });
  stderr.on('end', () => {
    if (partial !== '') options.onStderrLine(partial);
    partial = '';
  });
  stderr.on('error', () => undefined);

  // Standard input: the request body, with backpressure both ways.
  const input = options.input;
  const stdin = child.stdin;
  if (input !== undefined && stdin !== null) {
    stdin.on('error', () => {
      // EPIPE: the program exited or closed its input; what it did not read is not its business.
      input.unpipe(stdin);
      options.onInputUnread?.();
    });
    input.on('error', (error) => fail('input', `the request body could not be read: ${error.message}`, error));
    input.pipe(stdin);
  }

  // Standard output: the header block, then the body.
  const parser = new CgiHeaderParser(options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);
  const onHeadData = (chunk: Buffer): void => {
    if (headDone) return;
    let parsed: CgiHead | undefined;
    try {
      parsed = parser.push(chunk);
    } catch (error) {
      fail('output', describe(error), error);
      return;
    }
    if (parsed === undefined) return;
    headDone = true;
    stdout.off('data', onHeadData);
    stdout.off('end', onHeadEnd);
    stdout.pause();
    rest = parsed.rest;
    resolveHead(parsed);
  };
  const onHeadEnd = (): void => {
    if (headDone) return;
    try {
      parser.end();
    } catch (error) {
      fail('output', describe(error), error);
    }
  };
  stdout.on('data', onHeadData);
  stdout.on('end', onHeadEnd);
  stdout.on('end', () => {
    outputEnded = true;
    exitOrOutputEnded();
  });
  stdout.on('error', () => undefined);
  // A body abandoned before its end (the client left, the writer stopped) ends the run.
  stdout.on('close', () => {
    if (!stdout.readableEnded) end();
  });

  if (signal !== undefined) {
    if (signal.aborted) onClientGone();
    else signal.addEventListener('abort', onClientGone, { once: true });
  }

  return {
    head,
    hasBody() {
      if (rest.length > 0) return Promise.resolve(true);
      if (stdout.destroyed || stdout.readableEnded) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const settle = (result: boolean): void => {
          stdout.off('readable', onReadable);
          stdout.off('end', onEnd);
          stdout.off('close', onEnd);
          resolve(result);
        };
        const onReadable = (): void => {
          const chunk = stdout.read() as Buffer | null;
          if (chunk === null) return;
          rest = chunk;
          settle(true);
        };
        const onEnd = (): void => settle(false);
        stdout.on('readable', onReadable);
        stdout.on('end', onEnd);
        stdout.on('close', onEnd);
        onReadable();
      });
    },
    body() {
      if (stdout.destroyed) {
        // The run failed between its head and now (a timeout, the client leaving): a body that fails the same way.
        const failed = new Readable({ read() {} });
        failed.destroy(failure ?? new CgiRunError('client-gone', label, 'the answer was abandoned'));
        return failed;
      }
      if (rest.length > 0) stdout.unshift(rest);
      rest = Buffer.alloc(0);
      // Paused since the head was read; flowing starts on the next tick, after the reader attaches.
      stdout.resume();
      return stdout;
    },
    kill() {
      end();
      if (!stdout.destroyed) stdout.destroy();
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
