/**
 * Where access-log lines go (docs/serve.md, the access log): standard output, a file, or nowhere.
 * Writes are buffered and asynchronous; close() resolves only when every line is out,
 * so a graceful shutdown loses nothing.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BatchWriter } from './batch-writer.js';

export interface AccessLogSink {
  /** Buffered; never blocks the event loop on I/O. */
  write(line: string): void;
  /** Resolves when everything written so far is on its way to the OS. */
  flush(): Promise<void>;
  /** Flushes and releases; later writes are ignored. */
  close(): Promise<void>;
  /** The log's content as served at /.well-known/access.log. */
  snapshot(): Promise<Buffer>;
}

/** How much of a stdout log is kept in memory for snapshot(). */
const STDOUT_TAIL_BYTES = 1024 * 1024;

/**
 * Writes to a pipe of at most PIPE_BUF bytes are atomic (POSIX), so worker processes that
 * share one stdout pipe never interleave inside a line.
 */
const PIPE_BUF = 4096;

/** Reports the first write failure on stderr; later ones would only repeat it. */
function reportOnce(target: string): (error: unknown) => void {
  let reported = false;
  return (error) => {
    if (reported) return;
    reported = true;
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`porta: cannot write access log ${target}: ${reason} (lines are being dropped)\n`);
  };
}

/** Shared by the real sinks: the write-after-close rule and an idempotent close. */
abstract class BufferedSink implements AccessLogSink {
  protected abstract readonly writer: BatchWriter;
  #closing: Promise<void> | undefined;

  write(line: string): void {
    if (this.#closing === undefined) this.writer.write(line);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  close(): Promise<void> {
    this.#closing ??= this.writer.flush().then(() => this.release());
    return this.#closing;
  }

  protected abstract release(): Promise<void>;
  abstract snapshot(): Promise<Buffer>;
}

class FileSink extends BufferedSink {
  protected readonly writer: BatchWriter;
  readonly #handle: FileHandle;
  readonly #path: string;

  constructor(handle: FileHandle, path: string, target: string) {
    super();
    this.#handle = handle;
    this.#path = path;
    this.writer = new BatchWriter((text) => this.#append(text), reportOnce(target));
  }

  /**
   * The file is opened O_APPEND, so every batch lands at the current end even when other
   * workers append to the same file; batches hold whole lines, so lines stay whole.
   */
  async #append(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await this.#handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  }

  protected release(): Promise<void> {
    return this.#handle.close();
  }

  async snapshot(): Promise<Buffer> {
    await this.flush();
    return readFile(this.#path);
  }
}

/** Splits text made of whole lines into pieces of at most `limit` characters, at line ends. */
function splitAtLines(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.length;
    if (end - start > limit) {
      const lastNewline = text.lastIndexOf('\n', start + limit - 1);
      if (lastNewline >= start) {
        end = lastNewline + 1;
      } else {
        // A single line longer than the limit goes out whole.
        const newline = text.indexOf('\n', start + limit);
        end = newline === -1 ? text.length : newline + 1;
      }
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

class StdoutSink extends BufferedSink {
  protected readonly writer: BatchWriter;
  /** Recent batches, oldest first, holding at least the last STDOUT_TAIL_BYTES of log. */
  readonly #tail: string[] = [];
  #tailBytes = 0;

  constructor() {
    super();
    const onError = reportOnce('(standard output)');
    // An EPIPE on stdout is emitted as 'error'; unheard, it would end the process.
    process.stdout.on('error', onError);
    this.writer = new BatchWriter((text) => this.#output(text), onError);
  }

  #output(text: string): Promise<void> {
    this.#remember(text);
    // Formatted log lines are ASCII (format.ts escapes the rest): characters are bytes.
    const pieces = splitAtLines(text, PIPE_BUF);
    return new Promise((resolve, reject) => {
      for (let i = 0; i < pieces.length - 1; i++) process.stdout.write(pieces[i]!);
      process.stdout.write(pieces[pieces.length - 1]!, (error) => (error ? reject(error) : resolve()));
    });
  }

  #remember(text: string): void {
    this.#tail.push(text);
    this.#tailBytes += Buffer.byteLength(text);
    while (this.#tail.length > 1 && this.#tailBytes - Buffer.byteLength(this.#tail[0]!) >= STDOUT_TAIL_BYTES) {
      this.#tailBytes -= Buffer.byteLength(this.#tail.shift()!);
    }
  }

  protected release(): Promise<void> {
    return Promise.resolve(); // stdout belongs to the process, not to the log
  }

  async snapshot(): Promise<Buffer> {
    await this.flush();
    const all = Buffer.from(this.#tail.join(''), 'utf8');
    if (all.length <= STDOUT_TAIL_BYTES) return all;
    // Keep the most recent 1 MiB, starting at a whole line.
    const cut = all.indexOf(0x0a, all.length - STDOUT_TAIL_BYTES - 1) + 1;
    return all.subarray(cut);
  }
}

/** `off`: the log is disabled; lines are dropped and the snapshot is empty. */
class NullSink implements AccessLogSink {
  write(_line: string): void {}
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  snapshot(): Promise<Buffer> {
    return Promise.resolve(Buffer.alloc(0));
  }
}

/** Words for the errors a user can fix, instead of errno names. */
function describeOpenError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EROFS':
      return 'read-only file system';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Opens the access log: '-' is standard output, 'off' drops every line, anything else is
 * a file opened for appending (created 0644 when missing).
 */
export async function openAccessLog(target: string): Promise<AccessLogSink> {
  if (target === 'off') return new NullSink();
  if (target === '-') return new StdoutSink();
  const path = resolve(target);
  let handle: FileHandle;
  try {
    handle = await open(path, 'a', 0o644);
  } catch (error) {
    throw new Error(`cannot open access log ${target}: ${describeOpenError(error)}`, { cause: error });
  }
  return new FileSink(handle, path, target);
}
