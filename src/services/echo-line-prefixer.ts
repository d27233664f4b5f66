/**
 * Line mode of the echo service (the "You said: ..." server): every line the client sends
 * comes back as PREFIX followed by the line, its terminator kept as received.
 *
 * It works on the byte stream without holding whole lines: the prefix is emitted the moment
 * the first byte of a line arrives and the line's bytes pass straight through. So memory
 * stays constant however long a line is, and the output is byte-for-byte what a
 * line-buffering implementation would send, only sooner.
 */
const LF = 0x0a;
const LF_BUFFER = Buffer.from('\n');

export class EchoLinePrefixer {
  private atLineStart = true;

  constructor(private readonly prefix: Buffer) {}

  /** The answer to the next piece of input (empty when the input was empty). */
  transform(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const parts: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      if (this.atLineStart) parts.push(this.prefix);
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf + 1;
      parts.push(chunk.subarray(start, end));
      this.atLineStart = lf !== -1;
      start = end;
    }
    return Buffer.concat(parts);
  }

  /**
   * Called when the input ends: a last line without its LF is still a line, so its answer
   * gets one, and the client sees complete lines only.
   */
  end(): Buffer {
    const pending = !this.atLineStart;
    this.atLineStart = true;
    return pending ? LF_BUFFER : Buffer.alloc(0);
  }
}

/** Answers one self-contained piece of input (a UDP datagram) in line mode. */
export function prefixLines(prefix: Buffer, input: Buffer): Buffer {
  const prefixer = new EchoLinePrefixer(prefix);
  return Buffer.concat([prefixer.transform(input), prefixer.end()]);
}
