/**
 * The progress line on stderr: what is running now (scenario, server, run i/n). On a
 * terminal it rewrites one line; otherwise (CI, a pipe) it prints one line per step.
 */

export class Progress {
  private readonly started = Date.now();
  private readonly tty = process.stderr.isTTY === true;
  private lineShown = false;

  private stamp(): string {
    const seconds = Math.round((Date.now() - this.started) / 1000);
    return `[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}]`;
  }

  /** Replaces the current progress line. */
  show(text: string): void {
    const line = `${this.stamp()} ${text}`;
    if (this.tty) {
      const width = process.stderr.columns ?? 120;
      process.stderr.write(`\r\x1b[K${line.slice(0, width - 1)}`);
      this.lineShown = true;
    } else {
      process.stderr.write(`${line}\n`);
    }
  }

  /** A line that stays (a skipped peer, a failure). */
  note(text: string): void {
    this.clear();
    process.stderr.write(`${this.stamp()} ${text}\n`);
  }

  clear(): void {
    if (this.tty && this.lineShown) process.stderr.write('\r\x1b[K');
    this.lineShown = false;
  }
}
