import { readFileSync } from 'node:fs';

/** porta's version, read once from package.json (two levels above dist/src/). */
function readVersion(): string {
  try {
    const url = new URL('../../package.json', import.meta.url);
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const PORTA_VERSION = readVersion();
export const SERVER_SOFTWARE = `porta/${PORTA_VERSION}`;
