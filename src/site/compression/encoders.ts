/**
 * The encoders' settings, chosen so that one compression costs a small, known amount of
 * memory and time (the gate bounds how many run at once).
 *
 * Brotli, measured on this project's sources cut to 250 KiB (node 20, one core):
 *   quality 9, window 2^22: 26.7% of the input in 117 ms;
 *   quality 6, window 2^18: 27.3% in 9 ms;  quality 5, window 2^18: 27.7% in 5 ms.
 * On base64 text (which hardly compresses) every quality gives 75.4%, and quality 9 held
 * about 33 MB per running compression against 1.7 MB at quality 5. So quality 5: 1 point
 * of ratio for a compression 20 times faster and 20 times smaller.
 */
import { promisify } from 'node:util';
import { lazyBuiltin } from '../../lazy-builtin.js';
import type { ContentCoding } from './accept-encoding.js';

/** node:zlib is loaded when the first file is compressed, not by every server. */
const zlib = lazyBuiltin<typeof import('node:zlib')>('node:zlib');
let gzipAsync: ((body: Buffer, options: import('node:zlib').ZlibOptions) => Promise<Buffer>) | undefined;
let brotliAsync: ((body: Buffer, options: import('node:zlib').BrotliOptions) => Promise<Buffer>) | undefined;

export const BROTLI_QUALITY = 5;
/**
 * Brotli's window (RFC 7932 section 9.1: 2^WBITS - 16 bytes) is the size of what it keeps to
 * match against: the file's own size rounded up to a power of two, between 2^16 and 2^20.
 * Files compressed here are at most the file cache's 256 KiB, which 2^18 covers whole.
 */
const MIN_WINDOW_BITS = 16;
export const MAX_WINDOW_BITS = 20;
/** gzip: zlib's defaults, stated: 2^15 window and memLevel 8 take 256 KiB per compression. */
const GZIP_LEVEL = 6;
const GZIP_WINDOW_BITS = 15;
const GZIP_MEM_LEVEL = 8;

export function windowBitsFor(size: number): number {
  const bits = Math.ceil(Math.log2(size + 16));
  return Math.min(MAX_WINDOW_BITS, Math.max(MIN_WINDOW_BITS, bits));
}

/** `body` compressed in `coding`, in libuv's pool (one pass: the output buffer fits it). */
export async function compress(coding: ContentCoding, body: Buffer): Promise<Buffer> {
  // One output chunk as large as the input lets the whole compression be one job in the pool.
  const chunkSize = Math.max(16 * 1024, body.length + 1024);
  let bytes: Buffer;
  if (coding === 'gzip') {
    bytes = await (gzipAsync ??= promisify(zlib().gzip))(body, { level: GZIP_LEVEL, windowBits: GZIP_WINDOW_BITS, memLevel: GZIP_MEM_LEVEL, chunkSize });
  } else {
    const { constants } = zlib();
    bytes = await (brotliAsync ??= promisify(zlib().brotliCompress))(body, {
      chunkSize,
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: windowBitsFor(body.length),
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
  }
  // A single chunk comes back as a view of the whole output buffer: keep only its bytes.
  return bytes.buffer.byteLength > bytes.length * 2 ? Buffer.from(bytes) : bytes;
}
