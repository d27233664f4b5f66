/**
 * Credentials as a client computes them (RFC 7617, RFC 7616), for the authentication tests:
 * Basic's base64, Digest's challenge parsing and response, and control-file lines.
 */
import { createHash } from 'node:crypto';

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function basicField(user: string, password: string): string {
  return `Authorization: Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** The control file of a Basic directory. */
export function basicControlFile(realm: string, users: Readonly<Record<string, string>>, extra: readonly string[] = []): string {
  const lines = ['authorization-type=Basic', `realm="${realm}"`, ...Object.entries(users).map(([u, p]) => `${u}:${md5(p)}`), ...extra];
  return `${lines.join('\n')}\n`;
}

/** The control file of a Digest directory (SHA-256 hashes when asked). */
export function digestControlFile(realm: string, users: Readonly<Record<string, string>>, extra: readonly string[] = [], algorithm: 'MD5' | 'SHA-256' = 'MD5'): string {
  const h = algorithm === 'MD5' ? md5 : sha256;
  const lines = ['authorization-type=Digest', `realm="${realm}"`, ...Object.entries(users).map(([u, p]) => `${u}:${realm}:${h(`${u}:${realm}:${p}`)}`), ...extra];
  return `${lines.join('\n')}\n`;
}

/** The parameters of a `WWW-Authenticate: Digest ...` challenge (simple, for well-formed ones). */
export function parseChallenge(value: string): Record<string, string> {
  assertStartsWith(value, 'Digest ');
  const params: Record<string, string> = {};
  const re = /([a-zA-Z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const m of value.slice(7).matchAll(re)) params[(m[1] as string).toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] as string);
  return params;
}

function assertStartsWith(value: string, prefix: string): void {
  if (!value.startsWith(prefix)) throw new Error(`expected '${prefix}...', got '${value}'`);
}

export interface DigestInput {
  readonly challenge: Record<string, string>;
  readonly user: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nc: number;
  readonly cnonce?: string;
  /** Override the realm the client claims (and hashes with). */
  readonly realm?: string;
}

/** An `Authorization: Digest ...` field line as a browser would compute it; and the rspauth it expects. */
export function digestField(input: DigestInput): { field: string; rspauth: string } {
  const c = input.challenge;
  const algorithm = c.algorithm ?? 'MD5';
  const h = algorithm === 'SHA-256' ? sha256 : md5;
  const realm = input.realm ?? (c.realm as string);
  const nc = input.nc.toString(16).padStart(8, '0');
  const cnonce = input.cnonce ?? 'c0ffee42';
  const ha1 = h(`${input.user}:${realm}:${input.password}`);
  const response = h(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${h(`${input.method}:${input.uri}`)}`);
  const rspauth = h(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${h(`:${input.uri}`)}`);
  const field =
    `Authorization: Digest username="${input.user}", realm="${realm}", nonce="${c.nonce}", uri="${input.uri}", ` +
    `algorithm=${algorithm}, response="${response}", opaque="${c.opaque}", qop=auth, nc=${nc}, cnonce="${cnonce}"`;
  return { field, rspauth };
}
