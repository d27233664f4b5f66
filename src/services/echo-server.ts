/**
 * The echo service (RFC 862) over TCP and UDP on one port number, usable in-process:
 * `const echo = await startEchoServer({ host: '127.0.0.1', port: 0 })`.
 */
import type dgram from 'node:dgram';
import net from 'node:net';
import { closeTcp, listenTcp, resolveBindAddress, type BindAddress } from './echo-listen.js';
import { createEchoStats, type EchoStats } from './echo-stats.js';
import { serveEchoConnection } from './echo-tcp.js';
import { bindEchoUdp } from './echo-udp.js';
import { NodeStreamTransport } from '../transport/node-stream-transport.js';

export interface EchoServerOptions {
  /** Address or name to bind; '::' is dual stack. */
  readonly host: string;
  /** Port number for both transports; 0 picks a free one (the same number for both). */
  readonly port: number;
  /** Serve TCP (default true). */
  readonly tcp?: boolean;
  /** Serve UDP (default true). */
  readonly udp?: boolean;
  /** Line mode: answer each line with this prefix followed by the line. */
  readonly linePrefix?: string | undefined;
}

export interface EchoServer {
  readonly tcpAddress: net.AddressInfo | undefined;
  readonly udpAddress: net.AddressInfo | undefined;
  readonly stats: Readonly<EchoStats>;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

/** With port 0 the kernel picks the TCP port; the same number may be taken for UDP. */
const EPHEMERAL_PORT_ATTEMPTS = 10;

export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  const wantTcp = options.tcp ?? true;
  const wantUdp = options.udp ?? true;
  if (!wantTcp && !wantUdp) throw new Error('the echo service needs at least one of TCP and UDP');
  const bind = await resolveBindAddress(options.host);
  const linePrefix = options.linePrefix === undefined ? undefined : Buffer.from(options.linePrefix, 'utf8');
  const stats = createEchoStats();
  const sockets = new Set<net.Socket>();

  const tcpServer = wantTcp
    ? net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        serveEchoConnection(new NodeStreamTransport(socket), stats, { linePrefix });
      })
    : undefined;

  const { tcpAddress, udpSocket } = await bindBoth(bind, options.port, tcpServer, wantUdp, (port) =>
    bindEchoUdp({ ...bind, port, linePrefix }, stats),
  );

  return {
    tcpAddress,
    udpAddress: udpSocket ? (udpSocket.address() as net.AddressInfo) : undefined,
    stats,
    async close(): Promise<void> {
      const closing = tcpServer ? closeTcp(tcpServer) : Promise.resolve();
      for (const socket of sockets) socket.destroy();
      udpSocket?.close();
      await closing;
    },
  };
}

interface BoundTransports {
  readonly tcpAddress: net.AddressInfo | undefined;
  readonly udpSocket: dgram.Socket | undefined;
}

/**
 * Binds TCP first, then UDP on the port number TCP got. When the caller asked for any port
 * (0) and that number happens to be busy for UDP, both are retried on a fresh number.
 */
async function bindBoth(
  bind: BindAddress,
  port: number,
  tcpServer: net.Server | undefined,
  wantUdp: boolean,
  bindUdp: (port: number) => Promise<dgram.Socket>,
): Promise<BoundTransports> {
  for (let attempt = 1; ; attempt++) {
    const tcpAddress = tcpServer ? await listenTcp(tcpServer, bind.address, port) : undefined;
    if (!wantUdp) return { tcpAddress, udpSocket: undefined };
    try {
      const udpSocket = await bindUdp(tcpAddress ? tcpAddress.port : port);
      return { tcpAddress, udpSocket };
    } catch (error) {
      if (tcpServer) await closeTcp(tcpServer);
      const retry = port === 0 && tcpServer && attempt < EPHEMERAL_PORT_ATTEMPTS;
      if (!retry || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}
