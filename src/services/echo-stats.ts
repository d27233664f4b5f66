/**
 * Counters an echo server keeps while it runs. They are cheap to maintain and let an
 * operator (or a test) see that flow control works: a client that stops reading shows up
 * as pauses, and peakBufferedBytes stays near the socket's high-water mark instead of
 * growing with the amount of data the client pushes.
 */
export interface EchoStats {
  /** TCP connections open right now. */
  activeConnections: number;
  /** TCP connections accepted since start. */
  totalConnections: number;
  /** Bytes received over TCP. */
  bytesReceived: number;
  /** Bytes handed back to TCP clients (includes line-mode prefixes). */
  bytesSent: number;
  /** Times a TCP connection was paused because its client was not reading fast enough. */
  backpressurePauses: number;
  /** Largest amount of echoed data any one connection ever held in user space. */
  peakBufferedBytes: number;
  /** UDP datagrams received. */
  datagramsReceived: number;
  /** UDP datagrams dropped because too many replies were already waiting to be sent. */
  datagramsDropped: number;
}

export function createEchoStats(): EchoStats {
  return {
    activeConnections: 0,
    totalConnections: 0,
    bytesReceived: 0,
    bytesSent: 0,
    backpressurePauses: 0,
    peakBufferedBytes: 0,
    datagramsReceived: 0,
    datagramsDropped: 0,
  };
}
