/**
 * The `node-http` peer: a minimal node:http server that reads the document root's files
 * into memory at start and answers GET/HEAD from there, 404 otherwise. It shows what the
 * platform's own HTTP stack costs with no file system work at all.
 *
 * Usage: node dist/bench/node-http-peer.js ROOT HOST PORT [CERT KEY]   (CERT KEY: node:https)
 */
import { createServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.bin': 'application/octet-stream',
};

interface HeldFile {
  readonly body: Buffer;
  readonly type: string;
}

function loadRoot(root: string): Map<string, HeldFile> {
  const files = new Map<string, HeldFile>();
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (!statSync(path).isFile()) continue;
    files.set(`/${name}`, { body: readFileSync(path), type: TYPES[extname(name)] ?? 'application/octet-stream' });
  }
  return files;
}

function main(argv: readonly string[]): void {
  const [root, host, portText, cert, key] = argv;
  if (root === undefined || host === undefined || portText === undefined) {
    process.stderr.write('usage: node-http-peer ROOT HOST PORT\n');
    process.exit(2);
  }
  const files = loadRoot(root);
  const notFound = Buffer.from('Not Found\n');
  const handler: RequestListener = (req, res) => {
    const file = req.method === 'GET' || req.method === 'HEAD' ? files.get(req.url ?? '') : undefined;
    if (file === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': notFound.length });
      res.end(req.method === 'HEAD' ? undefined : notFound);
      return;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
  const server = cert !== undefined && key !== undefined ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, handler) : createServer(handler);
  // Same idle timeout as nginx and porta in the bench (5 s).
  server.keepAliveTimeout = 5000;
  server.listen(Number(portText), host);
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2));
