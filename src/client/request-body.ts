/**
 * What `porta get` sends as request content: -d data (held in memory, bounded) or a -T file
 * (streamed from disk, its size announced in Content-Length, RFC 9112 §6.2).
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { ClientFailure } from './client-failure.js';
import { describeFileError } from '../file-error.js';

export type RequestBody =
  | { readonly kind: 'bytes'; readonly data: Buffer }
  | { readonly kind: 'file'; readonly path: string; readonly size: number };

/** -d is for forms and small payloads; a larger body belongs in -T, which streams. */
export const MAX_DATA_BYTES = 16 * 1024 * 1024;

export function bodyLength(body: RequestBody): number {
  return body.kind === 'bytes' ? body.data.length : body.size;
}

/**
 * The body of one or more -d arguments, as curl builds it: each is the text itself, or with
 * `@FILE` (`@-` for standard input) that file's content with its CR and LF removed; several
 * are joined with `&`, so `-d a=1 -d b=2` sends `a=1&b=2`.
 */
export async function dataBody(args: readonly string[], stdin: Readable): Promise<RequestBody> {
  const parts: Buffer[] = [];
  let total = 0;
  for (const [index, arg] of args.entries()) {
    const part = arg.startsWith('@') ? stripLineBreaks(await readDataFile(arg.slice(1), stdin)) : Buffer.from(arg, 'utf8');
    if (index > 0) parts.push(Buffer.from('&'));
    parts.push(part);
    total += part.length + (index > 0 ? 1 : 0);
    if (total > MAX_DATA_BYTES) throw new ClientFailure(`-d: the data is larger than ${MAX_DATA_BYTES / 1024 / 1024} MiB (use -T FILE to stream a large body)`);
  }
  return { kind: 'bytes', data: Buffer.concat(parts) };
}

/** -T FILE: a regular file whose size is known before it is sent. */
export async function uploadBody(path: string): Promise<RequestBody> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ClientFailure(`-T ${path}: ${describeFileError(error)}`);
  }
  if (!info.isFile()) throw new ClientFailure(`-T ${path}: not a regular file`);
  return { kind: 'file', path, size: info.size };
}

/** curl's rule for -T: a URL whose path ends in `/` names a folder, and the file keeps its name there. */
export function uploadUrl(url: URL, path: string): URL {
  if (!url.pathname.endsWith('/')) return url;
  const named = new URL(url.href);
  named.pathname = `${url.pathname}${encodeURIComponent(basename(path))}`;
  return named;
}

/** A fresh stream of the file's bytes, at most `size` of them (the length already announced). */
export function openUpload(body: Extract<RequestBody, { kind: 'file' }>): ReadStream | undefined {
  if (body.size === 0) return undefined;
  return createReadStream(body.path, { start: 0, end: body.size - 1 });
}

async function readDataFile(path: string, stdin: Readable): Promise<Buffer> {
  if (path === '-') return readBounded(stdin, '-d @-');
  try {
    const info = await stat(path);
    if (info.isFile() && info.size > MAX_DATA_BYTES) throw new ClientFailure(`-d @${path}: larger than ${MAX_DATA_BYTES / 1024 / 1024} MiB (use -T FILE to stream it)`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof ClientFailure) throw error;
    throw new ClientFailure(`-d @${path}: ${describeFileError(error)}`);
  }
}

async function readBounded(input: Readable, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    total += buffer.length;
    if (total > MAX_DATA_BYTES) {
      input.destroy();
      throw new ClientFailure(`${what}: standard input is larger than ${MAX_DATA_BYTES / 1024 / 1024} MiB`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** curl -d @FILE sends the file without its line breaks (a form written over several lines). */
function stripLineBreaks(data: Buffer): Buffer {
  return data.includes(0x0a) || data.includes(0x0d) ? Buffer.from(data.filter((byte) => byte !== 0x0a && byte !== 0x0d)) : data;
}
