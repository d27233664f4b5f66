/**
 * The `node-net-ceiling` reference: a raw node:net server that does the least a JavaScript
 * HTTP/1.1 server can do. It finds each request head by its CRLFCRLF (so pipelined requests
 * are answered in order), takes the path from the request line and writes a response held
 * ready in memory with the same body bytes porta sends (the gzip-coded script for S10, the
 * English variant for S6, the CGI program's output for S8). No parsing beyond that, no file
 * system, no log: what JavaScript can reach on this machine. It reads no request bodies.
 *
 * Usage: node dist/bench/node-net-ceiling.js ROOT HOST PORT [--tls CERT KEY] [--workers N]
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { gzipSync } from 'node:zlib';

interface Prepared {
  readonly status: string;
  readonly fields: string;
  readonly body: Buffer;
}

/**
 * A response ready to write, re-formatted once a second for its Date: small ones as one
 * buffer (head and body: one write), large ones as head + body (no 10 MB copy a second).
 */
interface Ready {
  whole: Buffer;
  wholeClose: Buffer;
  readonly body: Buffer | undefined;
}

const JOIN_LIMIT = 256 * 1024;
const IDLE_MS = 5000;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const SPACE = 0x20;

function prepareAll(root: string): Map<string, Prepared> {
  const file = (path: string): Buffer => readFileSync(join(root, path));
  const text = 'text/plain; charset=utf-8';
  const map = new Map<string, Prepared>();
  map.set('/small.txt', { status: '200 OK', fields: `Content-Type: ${text}\r\n`, body: file('small.txt') });
  map.set('/large.bin', { status: '200 OK', fields: 'Content-Type: application/octet-stream\r\n', body: file('large.bin') });
  map.set('/protected/small.txt', { status: '200 OK', fields: `Content-Type: ${text}\r\n`, body: file('protected/small.txt') });
  map.set('/docs/index.html', {
    status: '200 OK',
    fields: 'Content-Type: text/html; charset=utf-8\r\nContent-Language: en\r\nContent-Location: index.html.en\r\nVary: accept-language\r\n',
    body: file('docs/index.html.en'),
  });
  map.set('/app.js', {
    status: '200 OK',
    fields: 'Content-Type: text/javascript; charset=utf-8\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\n',
    body: gzipSync(file('app.js'), { level: 1 }),
  });
  map.set('/hello.cgi', { status: '200 OK', fields: `Content-Type: text/plain\r\n`, body: Buffer.from('hello from a CGI program\n') });
  return map;
}

const NOT_FOUND: Prepared = { status: '404 Not Found', fields: 'Content-Type: text/html; charset=utf-8\r\n', body: Buffer.from('<!doctype html><title>404 Not Found</title><h1>Not Found</h1>\n') };

function formatAll(prepared: ReadonlyMap<string, Prepared>, ready: Map<string, Ready>): void {
  const date = new Date().toUTCString();
  const format = (entry: Prepared, connection: string): Buffer =>
    Buffer.from(`HTTP/1.1 ${entry.status}\r\nServer: ceiling\r\nDate: ${date}\r\n${entry.fields}Content-Length: ${entry.body.length}\r\nConnection: ${connection}\r\n\r\n`, 'latin1');
  for (const [path, entry] of [...prepared, ['', NOT_FOUND] as const]) {
    const join = entry.body.length <= JOIN_LIMIT;
    const whole = join ? Buffer.concat([format(entry, 'keep-alive'), entry.body]) : format(entry, 'keep-alive');
    const wholeClose = join ? Buffer.concat([format(entry, 'close'), entry.body]) : format(entry, 'close');
    const existing = ready.get(path);
    if (existing !== undefined) {
      existing.whole = whole;
      existing.wholeClose = wholeClose;
    } else {
      ready.set(path, { whole, wholeClose, body: join ? undefined : entry.body });
    }
  }
}

const CLOSE = Buffer.from('onnection: close');
const CLOSE_CAPITAL = Buffer.from('onnection: Close');

function wantsClose(data: Buffer, start: number, end: number): boolean {
  const head = data.subarray(start, end);
  return head.indexOf(CLOSE) >= 0 || head.indexOf(CLOSE_CAPITAL) >= 0;
}

/** Idle keep-alive connections end after 5 s, like the other servers: one sweep a second, no timer per socket. */
const lastActive = new Map<Socket, number>();
function sweepIdle(): void {
  const cutoff = Date.now() - IDLE_MS;
  for (const [socket, at] of lastActive) if (at < cutoff) socket.destroy();
}

let now = Date.now();

function serve(socket: Socket, ready: ReadonlyMap<string, Ready>, notFound: Ready): void {
  let pending: Buffer | undefined;
  lastActive.set(socket, now);
  socket.on('close', () => lastActive.delete(socket));
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    lastActive.set(socket, now);
    const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    let start = 0;
    let close = false;
    let corked = false;
    for (;;) {
      const end = data.indexOf(CRLFCRLF, start);
      if (end < 0) break;
      // From the second head of a pipelined batch on, hold the writes so they leave in one.
      if (start > 0 && !corked) {
        socket.cork();
        corked = true;
      }
      const pathStart = data.indexOf(SPACE, start) + 1;
      const pathEnd = data.indexOf(SPACE, pathStart);
      const entry = ready.get(data.toString('latin1', pathStart, pathEnd)) ?? notFound;
      close = wantsClose(data, start, end);
      socket.write(close ? entry.wholeClose : entry.whole);
      if (entry.body !== undefined) socket.write(entry.body);
      start = end + 4;
      if (close) break;
    }
    if (corked) socket.uncork();
    if (close) {
      socket.end();
      return;
    }
    pending = start < data.length ? data.subarray(start) : undefined;
    if (pending !== undefined && pending.length > 65536) socket.destroy();
  });
}

function main(argv: readonly string[]): void {
  const [root, host, portText, ...rest] = argv;
  if (root === undefined || host === undefined || portText === undefined) {
    process.stderr.write('usage: node-net-ceiling ROOT HOST PORT [--tls CERT KEY] [--workers N]\n');
    process.exit(2);
  }
  const tlsAt = rest.indexOf('--tls');
  const workersAt = rest.indexOf('--workers');
  const workers = workersAt >= 0 ? Number(rest[workersAt + 1]) : 1;
  if (cluster.isPrimary && workers > 1) {
    for (let i = 0; i < workers; i++) cluster.fork();
    const stop = (): void => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  const prepared = prepareAll(root);
  const ready = new Map<string, Ready>();
  formatAll(prepared, ready);
  setInterval(() => {
    now = Date.now();
    formatAll(prepared, ready);
    sweepIdle();
  }, 1000).unref();
  const notFound = ready.get('') as Ready;
  const handler = (socket: Socket): void => serve(socket, ready, notFound);
  const server =
    tlsAt >= 0
      ? createTlsServer({ cert: readFileSync(rest[tlsAt + 1] ?? ''), key: readFileSync(rest[tlsAt + 2] ?? ''), noDelay: true }, handler)
      : createNetServer({ noDelay: true }, handler);
  server.listen(Number(portText), host);
  const stop = (): void => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2));
