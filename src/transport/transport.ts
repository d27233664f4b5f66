/**
 * The transport layer: a byte-stream connection as a protocol codec sees it, whatever carries
 * it (a `node:net` socket, a `node:tls` socket, another runtime's native socket). The HTTP/1.1
 * codec (src/http/connection.ts, src/http/response-writer.ts) uses only this interface, so a
 * second socket back-end is one more implementation of it (see docs/design.md, layers).
 *
 * The shape follows what a codec needs and no more: bytes in (one handler, told of data,
 * the peer's half-close, errors and the close), bytes out with backpressure (`write` says
 * whether the buffer is below its mark; `onceDrained` waits for it), writes gathered into
 * one packet (`cork`/`uncork`), reading paused and resumed, a half-close of our side
 * (`end`) or an abort (`destroy`), and the facts of the connection (addresses, ALPN).
 */

/** What a transport tells the protocol running on it. Exactly one handler per transport. */
export interface TransportHandler {
  onData(chunk: Buffer): void;
  /** The peer half-closed: nothing more will arrive, writing may go on. */
  onEnd(): void;
  /** A socket error; `onClose` follows. */
  onError(error: Error): void;
  /** The connection is gone (both directions). */
  onClose(): void;
  /** What was buffered for writing has been handed to the kernel. */
  onDrain(): void;
}

export interface Transport {
  /** Starts delivering events to `handler`. */
  attach(handler: TransportHandler): void;
  /** Queues bytes; false when the buffer is past its mark (wait for a drain before more). */
  write(data: Buffer): boolean;
  /** Queues text whose characters are all below U+0100 (an HTTP head), one byte each. */
  writeLatin1(text: string): boolean;
  /** Holds writes until `uncork`, so several leave in one packet. */
  cork(): void;
  uncork(): void;
  /** Bytes queued and not yet handed to the kernel. */
  readonly writableLength: number;
  /** Stops (and restarts) delivering data: the peer is then slowed by TCP flow control. */
  pause(): void;
  resume(): void;
  isPaused(): boolean;
  /** Half-closes our side once what is queued is written. */
  end(): void;
  /** Closes at once, dropping what is queued. */
  destroy(): void;
  /** Calls back once, when what is queued has been handed on (for a writer that paused). */
  onceDrained(callback: () => void): void;
  /** Calls back once, when the connection closes (soon, if it already has); returns a cancel. */
  onceClosed(callback: () => void): () => void;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** The protocol chosen by ALPN during a TLS handshake (RFC 7301); undefined without one. */
  readonly alpnProtocol: string | undefined;
  /** Bytes handed to the kernel so far (what a log reports as sent). */
  readonly bytesWritten: number;
}

/** The address a listener is bound to. */
export interface ListenerAddress {
  readonly address: string;
  readonly family: string;
  readonly port: number;
}

/** What a listener is asked to bind and how it treats what it accepts. */
export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /** Most connections open at once; more are closed as soon as they are accepted. */
  readonly maxConnections?: number;
  /** TLS over every accepted connection, with this certificate and key (PEM). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** A TLS handshake not done within this long is abandoned (the connection closed). */
  readonly handshakeTimeoutMs: number;
  /** Errors of the listening socket after it is bound (EMFILE on accept...): reported, not fatal. */
  readonly onError: (error: Error) => void;
}

/** A bound port handing over each accepted connection (after its TLS handshake) as a Transport. */
export interface Listener {
  readonly address: ListenerAddress;
  /** Replaces the TLS certificate for connections accepted from now on; throws if unusable. */
  setTlsCredentials(credentials: { readonly cert: string; readonly key: string }): void;
  /** Closes the connections still in their TLS handshake (they carry no request yet). */
  abortHandshakes(): void;
  /** Stops accepting; resolves once every connection it handed over has closed too. */
  close(): Promise<void>;
}

/** Binds a listener; rejects with the system's error (EADDRINUSE, EACCES...) when it cannot. */
export type Listen = (options: ListenOptions, onConnection: (transport: Transport) => void) => Promise<Listener>;
