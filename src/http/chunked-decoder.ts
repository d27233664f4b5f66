/**
 * Incremental decoder for the chunked transfer coding of a request body (RFC 9112 section 7.1).
 * It takes bytes as they arrive, keeps at most the body limit in memory, ignores chunk
 * extensions and trailer fields, and reports where the message ended so that a pipelined
 * request after it is parsed from the right byte.
 */
import { HttpError } from './http-error.js';

const LF = 0x0a;
/** Longest chunk-size line (size, extensions) or trailer section we read. */
const MAX_LINE = 4096;
const MAX_TRAILERS = 16 * 1024;

type State = 'size' | 'data' | 'data-end' | 'trailers';

const badFraming = (message: string): HttpError => new HttpError(400, message, { close: true });

export class ChunkedDecoder {
  private state: State = 'size';
  private line = '';
  private remaining = 0;
  private trailerBytes = 0;
  private readonly pieces: Buffer[] = [];
  private received = 0;
  done = false;

  constructor(private readonly maxBodyBytes: number) {}

  /** Consumes bytes of buf[start..end); returns how many belonged to the body. */
  feed(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end && !this.done) {
      switch (this.state) {
        case 'size':
        case 'trailers':
        case 'data-end': {
          const lf = buf.indexOf(LF, i);
          const stop = lf === -1 || lf >= end ? end : lf;
          this.line += buf.toString('latin1', i, stop);
          if (this.line.length > MAX_LINE) throw badFraming('A chunk-size line is too long.');
          if (stop === end) return end - start;
          i = stop + 1;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          this.endOfLine(line);
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, end - i);
          this.pieces.push(Buffer.from(buf.subarray(i, i + take)));
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'data-end';
          break;
        }
      }
    }
    return i - start;
  }

  body(): Buffer {
    return this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.received);
  }

  private endOfLine(line: string): void {
    if (line.includes('\r')) throw badFraming('The chunked body contains a bare carriage return.');
    if (this.state === 'data-end') {
      // The CRLF that closes chunk-data must be empty.
      if (line !== '') throw badFraming('Chunk data is longer than its declared size.');
      this.state = 'size';
      return;
    }
    if (this.state === 'trailers') {
      // trailer-section = *( field-line CRLF ); we read and discard it (section 7.1.2).
      this.trailerBytes += line.length;
      if (this.trailerBytes > MAX_TRAILERS) throw new HttpError(431, 'The chunked trailer section is too large.', { close: true });
      if (line === '') this.done = true;
      return;
    }
    const semicolon = line.indexOf(';');
    const sizeText = (semicolon === -1 ? line : line.slice(0, semicolon)).replace(/[ \t]+$/, '');
    if (!/^[0-9A-Fa-f]{1,12}$/.test(sizeText)) throw badFraming('A chunk size is not a hexadecimal number.');
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      this.state = 'trailers';
      return;
    }
    this.received += size;
    if (this.received > this.maxBodyBytes) {
      throw new HttpError(413, `The request body is larger than ${this.maxBodyBytes} bytes.`, { close: true });
    }
    this.remaining = size;
    this.state = 'data';
  }
}

