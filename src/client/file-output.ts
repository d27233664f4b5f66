/**
 * The -o FILE destination: a Writable that creates (or truncates) the file only when the
 * first byte comes, or when it is ended with nothing written, so `--fail` on an error status
 * or a failed connection leaves no file behind, as with curl.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

export class FileOutput extends Writable {
  #file: Promise<FileHandle> | undefined;

  constructor(readonly path: string) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#writeAll(chunk).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#opened()
      .then((file) => file.close())
      .then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (this.#file === undefined) return done(error);
    this.#file.then(
      (file) => file.close().then(() => done(error), () => done(error)),
      () => done(error),
    );
  }

  async #writeAll(chunk: Buffer): Promise<void> {
    const file = await this.#opened();
    for (let offset = 0; offset < chunk.length; ) {
      const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }

  #opened(): Promise<FileHandle> {
    this.#file ??= open(this.path, 'w');
    return this.#file;
  }
}
