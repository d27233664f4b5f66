/**
 * One TCP echo connection (RFC 862: "any data received is sent back"), with the two things
 * that make it safe to expose: flow control and an orderly half-close. It runs on the
 * transport interface (src/transport/transport.ts), like the HTTP codec.
 */
import type { Transport, TransportHandler } from '../transport/transport.js';
import { EchoLinePrefixer } from './echo-line-prefixer.js';
import type { EchoStats } from './echo-stats.js';

export interface EchoConnectionOptions {
  /** Line mode: answer every line with this prefix followed by the line. */
  readonly linePrefix?: Buffer | undefined;
}

/**
 * Echoes everything `transport` receives back to it. The connection must come from a
 * listener that allows half-open connections, so that the client's FIN only ends our
 * reading side.
 */
export function serveEchoConnection(transport: Transport, stats: EchoStats, options: EchoConnectionOptions = {}): void {
  transport.attach(new EchoConnection(transport, stats, options.linePrefix ? new EchoLinePrefixer(options.linePrefix) : undefined));
}

class EchoConnection implements TransportHandler {
  private waitingForDrain = false;

  constructor(
    private readonly transport: Transport,
    private readonly stats: EchoStats,
    private readonly prefixer: EchoLinePrefixer | undefined,
  ) {
    stats.activeConnections++;
    stats.totalConnections++;
  }

  onData(chunk: Buffer): void {
    this.stats.bytesReceived += chunk.length;
    this.send(this.prefixer ? this.prefixer.transform(chunk) : chunk);
  }

  /**
   * The client half-closed: everything it sent has been read. Queue what is left and send our
   * own FIN after it; end() waits for the queued data to be flushed first.
   */
  onEnd(): void {
    if (this.prefixer) this.send(this.prefixer.end());
    this.transport.end();
  }

  /** A reset or a broken pipe only concerns this client; the close follows and cleans up. */
  onError(): void {
    this.transport.destroy();
  }

  onClose(): void {
    this.stats.activeConnections--;
  }

  onDrain(): void {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    this.transport.resume();
  }

  private send(data: Buffer): void {
    if (data.length === 0) return;
    const stats = this.stats;
    const transport = this.transport;
    stats.bytesSent += data.length;
    const accepted = transport.write(data);
    if (transport.writableLength > stats.peakBufferedBytes) stats.peakBufferedBytes = transport.writableLength;
    // Backpressure: when the client does not read, its receive window and our send buffer
    // fill up and write() returns false. Stop reading from it until the buffer drains, so a
    // client that only sends costs us one socket buffer, not everything it ever sent. Our
    // own receive window then closes and TCP slows the sender down for us.
    if (!accepted && !this.waitingForDrain) {
      this.waitingForDrain = true;
      stats.backpressurePauses++;
      transport.pause();
    }
  }
}
