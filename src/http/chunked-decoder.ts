/**
 * Incremental decoder for the chunked transfer coding of a request body (RFC 9112 section
 * 7.1). It takes bytes as they arrive and hands each piece of chunk data to a sink as a view
 * of the input (no copy), so a body is streamed, never gathered. It stops where the message
 * ends, so a pipelined request after it is parsed from the right byte.
 *
 * Framing is read as strictly as llhttp (Node's parser) reads it, never more leniently, so no
 * proxy in front of porta can disagree with it about where a message ends: lines end in CRLF
 * (a bare LF is refused, unlike in the head), a chunk size is hex digits (any number of
 * leading zeros) followed directly by CRLF or by extensions `;name` / `;name=value` without
 * whitespace, and trailer lines are well-formed field lines.
 */
import { HttpError } from './http-error.js';
import { isToken, readQuotedString } from './syntax.js';

const LF = 0x0a;
/** Longest chunk-size line (size, extensions) we read. */
const MAX_LINE = 4096;
/** Largest trailer section we read (and discard). */
const MAX_TRAILERS = 16 * 1024;
/** Significant hex digits of a chunk size: 12 already exceeds any body limit. */
const MAX_SIZE_DIGITS = 12;

type State = 'size' | 'data' | 'data-end' | 'trailers';

const badFraming = (message: string): HttpError => new HttpError(400, message, { close: true });

/** Receives one piece of chunk data; returning false asks the decoder to stop after it. */
export type ChunkSink = (piece: Buffer) => boolean;

export class ChunkedDecoder {
  private state: State = 'size';
  private line = '';
  private remaining = 0;
  private trailerBytes = 0;
  /** Data bytes decoded so far. */
  received = 0;
  done = false;

  constructor(private readonly maxBodyBytes: number) {}

  /**
   * Consumes bytes of buf[start..end) and returns how many it took: all of them, or fewer
   * when the message ended (the rest belongs to the next request) or the sink asked to stop.
   * Throws the HttpError to answer (400, 413) when the body is malformed or too large.
   */
  feed(buf: Buffer, start: number, end: number, sink: ChunkSink): number {
    let i = start;
    while (i < end && !this.done) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, end - i);
        const piece = buf.subarray(i, i + take);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = 'data-end';
        if (!sink(piece)) break;
        continue;
      }
      const lf = buf.indexOf(LF, i);
      const stop = lf === -1 || lf >= end ? end : lf;
      this.line += buf.toString('latin1', i, stop);
      if (this.line.length > MAX_LINE) throw badFraming('A line of the chunked body is too long.');
      if (stop === end) return end - start;
      i = stop + 1;
      const line = this.line;
      this.line = '';
      // Section 7.1: every line of the chunked coding ends in CRLF.
      if (!line.endsWith('\r')) throw badFraming('A line of the chunked body does not end in CRLF.');
      this.endOfLine(line.slice(0, -1));
    }
    return i - start;
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
      this.readTrailerLine(line);
      return;
    }
    const size = this.parseChunkSizeLine(line);
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

  /** chunk-size [ chunk-ext ] (section 7.1, 7.1.1); extensions are checked and ignored. */
  private parseChunkSizeLine(line: string): number {
    let i = 0;
    while (i < line.length && isHexDigit(line.charCodeAt(i))) i++;
    if (i === 0) throw badFraming('A chunk size is not a hexadecimal number.');
    const digits = line.slice(0, i).replace(/^0+(?=.)/, '');
    if (digits.length > MAX_SIZE_DIGITS) {
      throw new HttpError(413, `The request body is larger than ${this.maxBodyBytes} bytes.`, { close: true });
    }
    if (i < line.length) this.checkExtensions(line, i);
    return parseInt(digits, 16);
  }

  /** chunk-ext = *( ";" chunk-ext-name [ "=" chunk-ext-val ] ), without the optional BWS llhttp refuses. */
  private checkExtensions(line: string, from: number): void {
    let i = from;
    while (i < line.length) {
      if (line[i] !== ';') throw badFraming('A chunk size is followed by something other than an extension.');
      i++;
      let nameEnd = i;
      while (nameEnd < line.length && line[nameEnd] !== '=' && line[nameEnd] !== ';') nameEnd++;
      if (!isToken(line.slice(i, nameEnd))) throw badFraming('A chunk extension has an invalid name.');
      i = nameEnd;
      if (line[i] !== '=') continue;
      i++;
      if (line[i] === '"') {
        const quoted = readQuotedString(line, i);
        if (quoted === undefined) throw badFraming('A chunk extension has an unterminated quoted value.');
        i = quoted.end;
      } else {
        let valueEnd = i;
        while (valueEnd < line.length && line[valueEnd] !== ';') valueEnd++;
        if (!isToken(line.slice(i, valueEnd))) throw badFraming('A chunk extension has an invalid value.');
        i = valueEnd;
      }
    }
  }

  /** trailer-section = *( field-line CRLF ) (section 7.1.2): checked, then discarded. */
  private readTrailerLine(line: string): void {
    if (line === '') {
      this.done = true;
      return;
    }
    this.trailerBytes += line.length + 2;
    if (this.trailerBytes > MAX_TRAILERS) throw new HttpError(431, 'The chunked trailer section is too large.', { close: true });
    const colon = line.indexOf(':');
    if (colon <= 0 || !isToken(line.slice(0, colon))) throw badFraming('A trailer field line is malformed.');
    for (let i = colon + 1; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw badFraming('A trailer field value contains control characters.');
    }
  }
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}
