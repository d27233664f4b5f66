/**
 * The UDP half of RFC 862: "When a datagram is received, the data from it is sent back in
 * an answering datagram" to the address and port it came from.
 */
import dgram from 'node:dgram';
import { prefixLines } from './echo-line-prefixer.js';
import type { EchoStats } from './echo-stats.js';

/**
 * Replies waiting for the kernel are capped: UDP has no flow control, and a flood must cost
 * bounded memory. A datagram arriving past the cap is dropped, as a congested network would.
 */
const MAX_PENDING_REPLIES = 1024;

export interface EchoUdpOptions {
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly linePrefix?: Buffer | undefined;
}

/** Binds the UDP echo socket; resolves once it is bound, rejects with the bind error. */
export function bindEchoUdp(options: EchoUdpOptions, stats: EchoStats): Promise<dgram.Socket> {
  // For '::' the socket is dual stack (ipv6Only stays false), like the TCP listener.
  const socket = dgram.createSocket({ type: options.family === 6 ? 'udp6' : 'udp4' });
  let pendingReplies = 0;

  socket.on('message', (message, remote) => {
    stats.datagramsReceived++;
    if (pendingReplies >= MAX_PENDING_REPLIES) {
      stats.datagramsDropped++;
      return;
    }
    const reply = options.linePrefix ? prefixLines(options.linePrefix, message) : message;
    pendingReplies++;
    // A failed send (e.g. the reply plus prefix exceeds the datagram size limit) only loses
    // that reply; UDP promises nothing more.
    socket.send(reply, remote.port, remote.address, () => {
      pendingReplies--;
    });
  });

  return new Promise((resolve, reject) => {
    const onBindError = (error: Error): void => {
      socket.close();
      reject(error);
    };
    socket.once('error', onBindError);
    socket.bind({ port: options.port, address: options.address, exclusive: true }, () => {
      socket.off('error', onBindError);
      // Later errors (ICMP noise, a send to a vanished peer) must not stop the service.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
