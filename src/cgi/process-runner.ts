/**
 * Runs one CGI program (RFC 3875): spawned directly (no shell) in its own process group,
 * with the request body on standard input and its output read as a header block and a
 * body. Every run has a deadline: past it the whole process group is killed. So is a run
 * whose body is abandoned (the client left, HEAD, a body cut short), and, when porta exits,
 * every run still going, so no program outlives the server that started it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { lazyBuiltin } from '../lazy-builtin.js';
import { CgiHeaderParser, CgiOutputError, DEFAULT_MAX_HEADER_BYTES, type CgiHead } from './header-block.js';

/** Loaded by the first CGI request, not by every server. */
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

export interface CgiRunOptions {
  /** Absolute path of the program. */
  readonly program: string;
  /** Its working directory (the program's own directory, docs/serve.md, CGI programs). */
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** The request body, or undefined for none (standard input is then empty). */
  readonly input: Readable | undefined;
  /** Called when the program stops reading its input before the end (it exited or closed it). */
  readonly onInputUnread?: () => void;
  readonly timeoutMs: number;
  readonly maxHeaderBytes?: number;
  /** One line the program wrote to standard error (without its line end). */
  readonly onStderrLine: (line: string) => void;
}

/** The program ran past its deadline and was killed. */
export class CgiTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the program ran longer than ${timeoutMs / 1000} s and was killed`);
    this.name = 'CgiTimeoutError';
  }
}

/** Reading the request body for the program failed (the body's own error is the cause). */
export class CgiInputError extends Error {
  constructor(readonly reason: unknown) {
    super(`the request body could not be read: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'CgiInputError';
  }
}

export interface CgiRun {
  /** The header block, once complete; rejects with CgiOutputError, CgiTimeoutError, CgiInputError or a spawn error. */
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
    // A negative pid names the process group: the program and whatever it started.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
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
  let killed = false;
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

  const kill = (): void => {
    if (killed) return;
    killed = true;
    clearTimeout(timer);
    if (!exited) killGroup(child);
    running.delete(child);
  };
  /** Ends the run with an error: before the head the head fails; after it the body does. */
  const fail = (error: unknown): void => {
    kill();
    if (!headDone) {
      headDone = true;
      rejectHead(error);
    }
    if (!stdout.readableEnded) stdout.destroy(error instanceof Error ? error : new Error(String(error)));
  };

  const timer = setTimeout(() => fail(new CgiTimeoutError(options.timeoutMs)), options.timeoutMs);
  timer.unref();
  if (child.pid !== undefined) running.add(child);

  child.on('error', (error) => fail(error));
  child.on('exit', () => {
    exited = true;
    running.delete(child);
    clearTimeout(timer);
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
    input.on('error', (error) => fail(new CgiInputError(error)));
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
      fail(error);
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
      fail(error);
    }
  };
  stdout.on('data', onHeadData);
  stdout.on('end', onHeadEnd);
  stdout.on('error', () => undefined);
  // A body abandoned before its end (the client left, the writer stopped) kills the program.
  stdout.on('close', () => {
    if (!stdout.readableEnded) kill();
  });

  return {
    head,
    hasBody() {
      if (rest.length > 0) return Promise.resolve(true);
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
      if (rest.length > 0) stdout.unshift(rest);
      rest = Buffer.alloc(0);
      // Paused since the head was read; flowing starts on the next tick, after the reader attaches.
      stdout.resume();
      return stdout;
    },
    kill() {
      kill();
      if (!stdout.destroyed) stdout.destroy();
    },
  };
}

export { CgiOutputError };
