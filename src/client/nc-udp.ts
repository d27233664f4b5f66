/**
 * `porta nc --udp HOST PORT`: each input line goes out as one datagram, each reply is
 * printed. UDP has no end-of-conversation, so once input ends we wait for the replies that
 * are still owed, and call it a time-out when they do not come.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { ClientFailure } from './client-failure.js';
import { describeConnectError, formatHost, formatSeconds } from './connect.js';
import type { NcSessionOptions } from './nc-tcp.js';

const LF = 0x0a;
/** The largest UDP payload over IPv4 (65535 - 8 UDP header - 20 IP header). */
const MAX_DATAGRAM = 65507;

export async function runUdpSession(options: NcSessionOptions): Promise<void> {
  const { host, port, input, output, timeoutMs } = options;
  let resolved: { address: string; family: number };
  try {
    resolved = await lookup(host);
  } catch (error) {
    throw new ClientFailure(describeConnectError(error, host, port));
  }
  const socket = dgram.createSocket(resolved.family === 6 ? 'udp6' : 'udp4');
  const where = `${formatHost(host)} port ${port}`;

  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = 0;
    let sendsInFlight = 0;
    let inputEnded = false;
    let carry = Buffer.alloc(0);
    let replyTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const finish = (failure?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(replyTimer);
      input.off('data', onInput);
      input.off('end', onInputEnd);
      input.pause();
      socket.close();
      if (failure) reject(new ClientFailure(failure));
      else resolve();
    };

    const checkDone = (): void => {
      if (!inputEnded || sendsInFlight > 0) return;
      if (received >= sent) return finish();
      // Restarted by every reply: the time-out measures silence, not the whole exchange.
      clearTimeout(replyTimer);
      replyTimer = setTimeout(() => {
        finish(`no reply from ${where} to ${sent - received} of ${sent} datagrams within ${formatSeconds(timeoutMs)}`);
      }, timeoutMs);
    };

    const send = (datagram: Buffer): void => {
      sendsInFlight++;
      socket.send(datagram, (error) => {
        sendsInFlight--;
        if (error) return finish(describeSendError(error, host, port, datagram.length));
        sent++;
        checkDone();
      });
    };

    const onInput = (chunk: Buffer): void => {
      let data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      for (let lf = data.indexOf(LF); lf !== -1; lf = data.indexOf(LF)) {
        send(data.subarray(0, lf + 1));
        data = data.subarray(lf + 1);
      }
      carry = Buffer.from(data);
      if (carry.length > MAX_DATAGRAM) finish(`an input line is longer than the largest UDP datagram (${MAX_DATAGRAM} bytes)`);
    };
    const onInputEnd = (): void => {
      if (carry.length > 0) send(carry);
      inputEnded = true;
      checkDone();
    };

    socket.on('message', (message) => {
      received++;
      // One reply per line of output, even when the service answers without an LF.
      output.write(message);
      if (message.length === 0 || message[message.length - 1] !== LF) output.write('\n');
      checkDone();
    });
    // ICMP port unreachable comes back as ECONNREFUSED on a connected UDP socket.
    socket.on('error', (error) => finish(describeSendError(error, host, port, 0)));

    // connect() fixes the peer: replies from anyone else are dropped by the kernel, and
    // ICMP errors about this peer are reported to us.
    socket.connect(port, resolved.address, () => {
      options.onConnected?.({ host, address: resolved.address, port });
      input.on('data', onInput);
      input.on('end', onInputEnd);
      input.resume();
    });
  });
}

function describeSendError(error: NodeJS.ErrnoException, host: string, port: number, size: number): string {
  const where = `${formatHost(host)} port ${port}`;
  if (error.code === 'ECONNREFUSED') return `connection refused by ${where} (nothing is listening there on UDP)`;
  if (error.code === 'EMSGSIZE') return `a datagram of ${size} bytes is too large to send to ${where}`;
  return describeConnectError(error, host, port);
}
