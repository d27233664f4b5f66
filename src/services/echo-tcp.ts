/**
 * One TCP echo connection (RFC 862: "any data received is sent back"), with the two things
 * that make it safe to expose: flow control and an orderly half-close.
 */
import type { Socket } from 'node:net';
import { EchoLinePrefixer } from './echo-line-prefixer.js';
import type { EchoStats } from './echo-stats.js';

export interface EchoConnectionOptions {
  /** Line mode: answer every line with this prefix followed by the line. */
  readonly linePrefix?: Buffer | undefined;
}

/**
 * Echoes everything `socket` receives back to it. The socket must come from a server created
 * with `allowHalfOpen: true`, so that the client's FIN only ends our reading side.
 */
export function serveEchoConnection(socket: Socket, stats: EchoStats, options: EchoConnectionOptions = {}): void {
  const prefixer = options.linePrefix ? new EchoLinePrefixer(options.linePrefix) : undefined;
  let waitingForDrain = false;

  stats.activeConnections++;
  stats.totalConnections++;

  const send = (data: Buffer): void => {
    if (data.length === 0) return;
    stats.bytesSent += data.length;
    const accepted = socket.write(data);
    if (socket.writableLength > stats.peakBufferedBytes) stats.peakBufferedBytes = socket.writableLength;
    // Backpressure: when the client does not read, its receive window and our send buffer
    // fill up and write() returns false. Stop reading from it until the buffer drains, so a
    // client that only sends costs us one socket buffer, not everything it ever sent. Our
    // own receive window then closes and TCP slows the sender down for us.
    if (!accepted && !waitingForDrain) {
      waitingForDrain = true;
      stats.backpressurePauses++;
      socket.pause();
      socket.once('drain', () => {
        waitingForDrain = false;
        socket.resume();
      });
    }
  };

  socket.on('data', (chunk: Buffer) => {
    stats.bytesReceived += chunk.length;
    send(prefixer ? prefixer.transform(chunk) : chunk);
  });

  // The client half-closed: everything it sent has been read. Queue what is left and send
  // our own FIN after it; end() waits for the queued data to be flushed first.
  socket.on('end', () => {
    if (prefixer) send(prefixer.end());
    socket.end();
  });

  // A reset or a broken pipe only concerns this client; 'close' follows and cleans up.
  socket.on('error', () => socket.destroy());

  socket.on('close', () => {
    stats.activeConnections--;
  });
}
