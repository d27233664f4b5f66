/**
 * Loopback helpers: pick a free port, wait until a server accepts, and probe one request
 * so a server that answers wrongly is noticed before it is loaded. 127.0.0.1 only.
 */
import { request, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createConnection, createServer } from 'node:net';

export const HOST = '127.0.0.1';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until a TCP connect to the port succeeds, `gaveUp()` says the server died, or the
 * deadline passes. Resolves true when it accepts.
 */
export async function waitForAccept(port: number, timeoutMs: number, gaveUp: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gaveUp()) return false;
    if (await tryConnect(port)) return true;
    await sleep(100);
  }
  return false;
}

export interface ProbeResult {
  readonly status: number;
  readonly bytes: number;
  readonly contentEncoding: string | undefined;
}

export interface ProbeRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
  readonly tls: boolean;
}

/** One request on a fresh connection (HTTPS without certificate checks); rejects on error or after timeoutMs. */
export function probe(port: number, wanted: ProbeRequest, timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const options = { host: HOST, port, path: wanted.path, method: wanted.method, headers: wanted.headers, agent: false, timeout: timeoutMs };
    const onResponse = (res: IncomingMessage): void => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      const encoding = res.headers['content-encoding'];
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, contentEncoding: encoding }));
      res.on('error', reject);
    };
    const req = wanted.tls ? httpsRequest({ ...options, rejectUnauthorized: false }, onResponse) : request(options, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(wanted.body);
  });
}

export { sleep };
