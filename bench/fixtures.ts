/**
 * The document root every server serves: a 2 KB text file, a 10 MB binary file, nothing
 * at the 404 path, and (S6) a page stored only as four language variants. Plus a scratch directory for configs, logs and Lua scripts. Both are
 * removed on exit.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from './processes.js';

export const SMALL_PATH = '/small.txt';
export const LARGE_PATH = '/large.bin';
export const MISSING_PATH = '/missing.txt';
export const SMALL_SIZE = 2 * 1024;
export const LARGE_SIZE = 10 * 1024 * 1024;
/** S6: a page that exists only as variants, in four languages, each the size of S1's file. */
export const NEGOTIATED_PATH = '/negotiated/page.html';
export const NEGOTIATED_LANGUAGES = ['de', 'en', 'es', 'ja'] as const;

export interface Fixtures {
  /** Temp directory holding everything below; removed on exit. */
  readonly base: string;
  readonly documentRoot: string;
  /** Per-run scratch: server configs, access logs, Lua scripts. */
  readonly scratch: string;
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

export function createFixtures(): Fixtures {
  const base = mkdtempSync(join(tmpdir(), 'porta-bench-'));
  onExit(() => rmSync(base, { recursive: true, force: true }));
  const documentRoot = join(base, 'root');
  const scratch = join(base, 'scratch');
  mkdirSync(documentRoot);
  mkdirSync(scratch);
  writeFileSync(join(documentRoot, SMALL_PATH.slice(1)), smallBody());
  writeFileSync(join(documentRoot, LARGE_PATH.slice(1)), largeBody());
  const negotiated = join(documentRoot, NEGOTIATED_PATH.slice(1));
  mkdirSync(join(negotiated, '..'));
  for (const language of NEGOTIATED_LANGUAGES) writeFileSync(`${negotiated}.${language}`, smallBody());
  return { base, documentRoot, scratch };
}
