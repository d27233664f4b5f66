/**
 * One `porta hello` connection, on the transport interface (src/transport/transport.ts): one
 * greeting line, then our side closes. Whatever the client sends is read and dropped
 * (closing a socket with unread input makes the kernel send RST, which can destroy the
 * greeting before the client reads it), and the connection lives at most `lingerMs`.
 */
import type { Transport, TransportHandler } from '../transport/transport.js';
import { displayAddress, renderGreeting } from './hello-greeting.js';
import type { ReverseLookup } from './hello-reverse-dns.js';

/** What happened on one connection, for the log. */
export interface HelloConnectionRecord {
  readonly time: Date;
  readonly ip: string;
  readonly port: number;
  /** The reverse-DNS name when the template asked for one and there was one. */
  readonly hostname: string | undefined;
  readonly bytesSent: number;
  readonly durationMs: number;
  /** Error code when the connection failed (e.g. ECONNRESET before the greeting). */
  readonly error: string | undefined;
}

export interface HelloConnectionOptions {
  readonly template: string;
  /** Set when the template has `{host}`: the client's name is looked up first. */
  readonly reverseLookup: ReverseLookup | undefined;
  readonly lingerMs: number;
  readonly onClose: (record: HelloConnectionRecord) => void;
}

export function serveHelloConnection(transport: Transport, options: HelloConnectionOptions): void {
  const connection = new HelloConnection(transport, options);
  transport.attach(connection);
  connection.greet();
}

class HelloConnection implements TransportHandler {
  private readonly time = new Date();
  private readonly ip: string;
  private readonly port: number;
  private hostname: string | undefined;
  private error: string | undefined;
  private closed = false;
  private readonly linger: NodeJS.Timeout;

  constructor(
    private readonly transport: Transport,
    private readonly options: HelloConnectionOptions,
  ) {
    this.ip = displayAddress(transport.remoteAddress ?? 'unknown');
    this.port = transport.remotePort ?? 0;
    this.linger = setTimeout(() => transport.destroy(), options.lingerMs);
  }

  /** Each connection awaits its own lookup; nothing here blocks the accept loop. */
  greet(): void {
    const lookup = this.options.reverseLookup;
    if (lookup === undefined) return this.send();
    // A failed lookup greets with the address, as one that finds no name does.
    void lookup(this.ip).then(
      (name) => {
        this.hostname = name;
        this.send();
      },
      () => this.send(),
    );
  }

  private send(): void {
    if (this.closed) return;
    const line = renderGreeting(this.options.template, { ip: this.ip, port: this.port, host: this.hostname ?? this.ip });
    this.transport.write(Buffer.from(`${line}\r\n`, 'utf8'));
    this.transport.end();
  }

  onData(): void {
    // Read and dropped (see above).
  }

  /** The client half-closed (`nc < /dev/null`): it still gets its greeting. */
  onEnd(): void {}

  onError(error: NodeJS.ErrnoException): void {
    this.error = error.code ?? error.message;
  }

  onDrain(): void {}

  onClose(): void {
    this.closed = true;
    clearTimeout(this.linger);
    this.options.onClose({
      time: this.time,
      ip: this.ip,
      port: this.port,
      hostname: this.hostname,
      bytesSent: this.transport.bytesWritten,
      durationMs: Date.now() - this.time.getTime(),
      error: this.error,
    });
  }
}
