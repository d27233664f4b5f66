/**
 * `porta serve` options for what is added to answers: `--header 'Name: value'` (repeatable),
 * `--cache-control VALUE`, `--max-age SEC`, the config file's `headers` object of path prefix
 * to fields, and `--spa FILE`. Bad values are UsageErrors naming the flag.
 */
import type { HeaderList } from '../http/response.js';
import { isToken } from '../http/syntax.js';
import type { PathFields } from '../site/response-fields.js';
import { UsageError } from './errors.js';
import { parseInteger } from './flags.js';

/** Fields porta itself owns on every answer: setting them would be dropped or break framing. */
const OWNED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'date', 'server', 'trailer', 'te']);

interface Choice<T> {
  readonly value: T | undefined;
  readonly source: string;
}

/** `Name: value` -> [Name, value], or a UsageError saying what is wrong with it. */
export function parseFieldLine(line: string, source: string): readonly [string, string] {
  const colon = line.indexOf(':');
  const name = colon === -1 ? '' : line.slice(0, colon).trim();
  const value = colon === -1 ? '' : line.slice(colon + 1).trim();
  if (name === '' || !isToken(name)) throw new UsageError(`${source} must look like 'Name: value', got '${line}'`);
  // RFC 9110 section 5.5: no control characters (CR/LF would split the field).
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) throw new UsageError(`${source}: the value of ${name} contains a control character`);
  if (OWNED.has(name.toLowerCase())) throw new UsageError(`${source}: ${name} is set by porta itself and cannot be added`);
  return [name, value];
}

export function parseAddedFields(header: Choice<string[]>, cacheControl: Choice<string>, maxAge: Choice<string>, headersJson: string | undefined): PathFields[] {
  const everywhere: Array<readonly [string, string]> = (header.value ?? []).map((line) => parseFieldLine(line, header.source));
  if (cacheControl.value !== undefined && maxAge.value !== undefined) throw new UsageError(`use one of ${cacheControl.source} and ${maxAge.source}, not both`);
  if (cacheControl.value !== undefined) everywhere.push(parseFieldLine(`Cache-Control: ${cacheControl.value}`, cacheControl.source));
  if (maxAge.value !== undefined) everywhere.push(['Cache-Control', `max-age=${parseInteger(maxAge.value, maxAge.source, 0, 10 * 365 * 24 * 3600)}`]);
  const rules: PathFields[] = everywhere.length > 0 ? [{ prefix: '/', fields: everywhere }] : [];
  if (headersJson !== undefined) rules.push(...parsePrefixFields(JSON.parse(headersJson) as Record<string, unknown>));
  // Shorter prefixes first, so a more specific folder's fields come later and are more visible.
  return rules.sort((a, b) => a.prefix.length - b.prefix.length);
}

/** The config file's `headers`: { "/prefix/": { "Name": "value" } or ["Name: value"] }. */
function parsePrefixFields(object: Record<string, unknown>): PathFields[] {
  const rules: PathFields[] = [];
  for (const [prefix, fields] of Object.entries(object)) {
    const source = `config key 'headers' for '${prefix}'`;
    if (!prefix.startsWith('/')) throw new UsageError(`config key 'headers': '${prefix}' must be a path prefix starting with '/'`);
    let list: HeaderList;
    if (Array.isArray(fields) && fields.every((line) => typeof line === 'string')) list = fields.map((line: string) => parseFieldLine(line, source));
    else if (typeof fields === 'object' && fields !== null && !Array.isArray(fields)) {
      list = Object.entries(fields).map(([name, value]) => {
        if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`${source}: the value of ${name} must be a string`);
        return parseFieldLine(`${name}: ${value}`, source);
      });
    } else throw new UsageError(`${source} must be an object of field names to values, or a list of 'Name: value'`);
    rules.push({ prefix, fields: list });
  }
  return rules;
}

/** `--spa index.html` or `/index.html` -> `/index.html`; no `..`, no empty segments. */
export function parseSpa(choice: Choice<string>): string | undefined {
  const value = choice.value;
  if (value === undefined) return undefined;
  const path = value.startsWith('/') ? value : `/${value}`;
  const segments = path.slice(1).split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new UsageError(`${choice.source} must name a file under ROOT, like index.html, got '${value}'`);
  }
  return path;
}
