/**
 * Idle keep-alive connections held open by the harness (S7 and the memory figure). Each
 * connection sends one request so the server has really accepted it and holds its
 * per-connection state, then idles; every ~3 s it sends another so a 5 s keep-alive
 * timeout does not close it. Opened in batches; EMFILE and the like stop the opening and
 * are reported with the count reached.
 */
import { createConnection, type Socket } from 'node:net';
import { HOST } from './net.js';

const PING_INTERVAL_MS = 3000;
const BATCH_TIMEOUT_MS = 10_000;

export interface OpenReport {
  readonly requested: number;
  /** Connections that connected and got an answer to their first request. */
  readonly opened: number;
  /** Why opening stopped early, e.g. 'EMFILE'; undefined when all opened. */
  readonly stoppedBy: string | undefined;
}

interface Held {
  readonly socket: Socket;
  timer: NodeJS.Timeout | undefined;
}

export class IdleConnections {
  private readonly held = new Set<Held>();
  private closedByServer = 0;
  private readonly request: Buffer;

  constructor(
    private readonly port: number,
    path: string,
  ) {
    this.request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\n\r\n`, 'latin1');
  }

  /** How many are open now. */
  get openCount(): number {
    return this.held.size;
  }

  /** How many the server closed while they were held. */
  get closedCount(): number {
    return this.closedByServer;
  }

  /** Opens `count` connections, `batch` at a time, each answered once before the next batch. */
  async open(count: number, batch = 250): Promise<OpenReport> {
    let opened = 0;
    while (opened < count) {
      const size = Math.min(batch, count - opened);
      const results = await Promise.all(Array.from({ length: size }, () => this.openOne()));
      const failure = results.find((result): result is string => result !== true);
      opened += results.filter((result) => result === true).length;
      if (failure !== undefined) return { requested: count, opened, stoppedBy: failure };
    }
    return { requested: count, opened, stoppedBy: undefined };
  }

  /** Resolves true once the connection has its first answer, or with the error code. */
  private openOne(): Promise<true | string> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: true | string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(result);
      };
      const socket = createConnection({ host: HOST, port: this.port });
      const entry: Held = { socket, timer: undefined };
      const deadline = setTimeout(() => {
        socket.destroy();
        settle('timeout');
      }, BATCH_TIMEOUT_MS);
      socket.setNoDelay(true);
      socket.on('connect', () => socket.write(this.request));
      socket.on('data', () => {
        // Responses are discarded; the first one proves the server holds the connection.
        if (!settled) {
          this.held.add(entry);
          // Spread the keep-alive pings so they do not arrive in bursts.
          entry.timer = setTimeout(() => this.ping(entry), Math.random() * PING_INTERVAL_MS);
          settle(true);
        }
      });
      socket.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
      socket.on('close', () => {
        if (entry.timer !== undefined) clearTimeout(entry.timer);
        if (this.held.delete(entry)) this.closedByServer += 1;
        settle('closed before answering');
      });
    });
  }

  private ping(entry: Held): void {
    if (entry.socket.destroyed) return;
    entry.socket.write(this.request);
    entry.timer = setTimeout(() => this.ping(entry), PING_INTERVAL_MS);
  }

  /** Closes every held connection and waits (bounded) for the sockets to go. */
  async closeAll(): Promise<void> {
    const sockets = [...this.held];
    this.held.clear();
    const gone = sockets.map(
      (entry) =>
        new Promise<void>((resolve) => {
          if (entry.timer !== undefined) clearTimeout(entry.timer);
          if (entry.socket.destroyed) return resolve();
          entry.socket.once('close', () => resolve());
          entry.socket.destroy();
        }),
    );
    await Promise.race([Promise.all(gone), new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
}
