/** The configurable limits and time-outs of docs/protocol.md (requests, connections). */
export interface HttpLimits {
  /** Longest request-target in bytes (414 beyond). */
  readonly maxUriBytes: number;
  /** Largest header section in bytes, request line excluded (431 beyond). */
  readonly maxHeaderBytes: number;
  /** Most header fields (431 beyond). */
  readonly maxHeaderFields: number;
  /** Largest request body in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** Idle time on a persistent connection before 408 and close, in ms. */
  readonly keepAliveTimeoutMs: number;
  /**
   * Time allowed to receive a whole request head, in ms; also the longest wait for the next
   * bytes of a body the handler is reading.
   */
  readonly headerTimeoutMs: number;
  /** Longest time a response may wait for the client to read it, in ms (then abandoned). */
  readonly sendTimeoutMs: number;
  /** Request bytes all connections together may hold in memory (see ByteBudget). */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxUriBytes: 2048,
  maxHeaderBytes: 16 * 1024,
  maxHeaderFields: 100,
  maxBodyBytes: 2 * 1024 * 1024,
  keepAliveTimeoutMs: 5000,
  headerTimeoutMs: 10000,
  sendTimeoutMs: 60000,
  maxBufferedBytes: 64 * 1024 * 1024,
};
