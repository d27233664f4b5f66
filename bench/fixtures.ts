/**
 * The document root every server serves, and a scratch directory for configs, logs and Lua
 * scripts; both removed on exit. The root holds:
 * - `/small.txt` (2 KB), `/large.bin` (10 MB), nothing at `/missing.txt` (S1-S5, S7);
 * - `/docs/index.html.en` and `.fr` and no `index.html`: a negotiated resource (S6);
 * - `/protected/small.txt` under porta's auth control file (Basic) (S1-BASIC);
 * - `/upload/` whose control file allows PUT for the same user (S9);
 * - `/hello.cgi`, a tiny sh CGI program (S8);
 * - `/app.js`, 50 KB of JavaScript (S10, compressed).
 * Plus an htpasswd file for nginx/Apache (same user and password) and, when openssl is
 * there, a self-signed certificate for S1-TLS.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, onExit, runCommand } from './processes.js';

export const SMALL_PATH = '/small.txt';
export const LARGE_PATH = '/large.bin';
export const MISSING_PATH = '/missing.txt';
export const NEGOTIATED_PATH = '/docs/index.html';
export const PROTECTED_PATH = '/protected/small.txt';
export const UPLOAD_PATH = '/upload/put.bin';
export const CGI_PATH = '/hello.cgi';
export const SCRIPT_PATH = '/app.js';
export const SMALL_SIZE = 2 * 1024;
/** What /hello.cgi prints as its body. */
export const CGI_OUTPUT = 'hello from a CGI program\n';
const ENGLISH_DOC = `<!doctype html><title>Docs</title><p>${'English documentation. '.repeat(80)}</p>\n`;
/** Size of the English variant, the one Accept-Language: en selects. */
export const NEGOTIATED_BYTES = Buffer.byteLength(ENGLISH_DOC);
export const LARGE_SIZE = 10 * 1024 * 1024;
export const UPLOAD_SIZE = 1024 * 1024;
export const SCRIPT_SIZE = 50 * 1024;

/** The one user of the protected areas, for every server. */
export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-password';
export const BENCH_REALM = 'porta bench';
export const BASIC_AUTHORIZATION = `Basic ${Buffer.from(`${BENCH_USER}:${BENCH_PASSWORD}`).toString('base64')}`;

/** porta's auth control file name (its default). */
const AUTH_FILE = 'WeMustProtectThisHouse!';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export interface Fixtures {
  /** Temp directory holding everything below; removed on exit. */
  readonly base: string;
  readonly documentRoot: string;
  /** Per-run scratch: server configs, access logs, Lua scripts. */
  readonly scratch: string;
  /** nginx/Apache password file for BENCH_USER ({SHA}: one hash per request, like porta's MD5 line). */
  readonly htpasswd: string;
  /** A self-signed certificate for 127.0.0.1, or why there is none. */
  readonly tls: TlsFiles | { readonly missing: string };
}

function smallBody(): Buffer {
  const line = 'porta bench: a small static file served over keep-alive connections.\n';
  return Buffer.from(line.repeat(Math.ceil(SMALL_SIZE / line.length)).slice(0, SMALL_SIZE), 'latin1');
}

function largeBody(): Buffer {
  // A repeating non-trivial pattern: cheap to make, and nobody compresses it on this path.
  const body = Buffer.allocUnsafe(LARGE_SIZE);
  for (let i = 0; i < LARGE_SIZE; i++) body[i] = (i * 131 + (i >>> 8)) & 0xff;
  return body;
}

/** JavaScript that compresses about as well as real application code (names vary). */
function scriptBody(): Buffer {
  const parts: string[] = ['"use strict";\n'];
  for (let i = 0; parts.join('').length < SCRIPT_SIZE; i++) {
    parts.push(
      `export function handler${i}(event, options = {}) {\n` +
        `  const target = event.target?.closest('[data-item="${(i * 7919) % 1000}"]');\n` +
        `  if (!target || options.skip${i % 13}) return null;\n` +
        `  return { id: ${i}, label: target.textContent.trim().slice(0, ${16 + (i % 40)}), ts: Date.now() };\n}\n`,
    );
  }
  return Buffer.from(parts.join('').slice(0, SCRIPT_SIZE), 'utf8');
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

function authControlFile(extra: string): string {
  return `authorization-type=Basic\nrealm="${BENCH_REALM}"\n${BENCH_USER}:${md5(BENCH_PASSWORD)}\n${extra}`;
}

/** An ECDSA P-256 certificate: cheap handshakes, as current deployments use. */
async function makeCertificate(scratch: string): Promise<Fixtures['tls']> {
  const openssl = findExecutable('openssl');
  if (openssl === undefined) return { missing: 'openssl not found (apt-get install -y openssl)' };
  const cert = join(scratch, 'tls-cert.pem');
  const key = join(scratch, 'tls-key.pem');
  const output = await runCommand(
    [openssl, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
    30_000,
  );
  if (output.code !== 0) return { missing: `openssl req failed: ${output.stderr.trim().split('\n').slice(-1).join('')}` };
  return { cert, key };
}

export async function createFixtures(): Promise<Fixtures> {
  const base = mkdtempSync(join(tmpdir(), 'porta-bench-'));
  onExit(() => rmSync(base, { recursive: true, force: true }));
  // Apache's children and CGI programs run as www-data when the bench runs as root.
  chmodSync(base, 0o755);
  const documentRoot = join(base, 'root');
  const scratch = join(base, 'scratch');
  mkdirSync(documentRoot, { mode: 0o755 });
  mkdirSync(scratch, { mode: 0o755 });
  writeFileSync(join(documentRoot, SMALL_PATH.slice(1)), smallBody());
  writeFileSync(join(documentRoot, LARGE_PATH.slice(1)), largeBody());

  const docs = join(documentRoot, 'docs');
  mkdirSync(docs);
  writeFileSync(join(docs, 'index.html.en'), ENGLISH_DOC);
  writeFileSync(join(docs, 'index.html.fr'), `<!doctype html><title>Docs</title><p>${'Documentation en français. '.repeat(80)}</p>\n`);

  const protectedDir = join(documentRoot, 'protected');
  mkdirSync(protectedDir);
  writeFileSync(join(protectedDir, SMALL_PATH.slice(1)), smallBody());
  writeFileSync(join(protectedDir, AUTH_FILE), authControlFile(''));

  const upload = join(documentRoot, 'upload');
  mkdirSync(upload, { mode: 0o777 });
  chmodSync(upload, 0o777); // nginx's and Apache's workers write here
  writeFileSync(join(upload, AUTH_FILE), authControlFile('ALLOW-PUT\n'));

  const cgi = join(documentRoot, CGI_PATH.slice(1));
  writeFileSync(cgi, `#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n${CGI_OUTPUT.replace('\n', '\\n')}'\n`);
  chmodSync(cgi, 0o755);

  writeFileSync(join(documentRoot, SCRIPT_PATH.slice(1)), scriptBody());

  const htpasswd = join(scratch, 'htpasswd');
  writeFileSync(htpasswd, `${BENCH_USER}:{SHA}${createHash('sha1').update(BENCH_PASSWORD).digest('base64')}\n`);

  return { base, documentRoot, scratch, htpasswd, tls: await makeCertificate(scratch) };
}
