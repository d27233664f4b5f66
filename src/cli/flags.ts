/**
 * A small declarative argv parser shared by every sub-command: `--name value`,
 * `--name=value`, boolean `--name` / `--no-name`, repeatable list flags, one-letter
 * aliases and positionals. Anything unknown or malformed is a UsageError (exit 2).
 */
import { resolvePort, type TransportProtocol } from '../net/port.js';
import { UsageError } from './errors.js';

/** 'json': a config-file-only key whose value is a JSON object, handed on as its JSON text. */
export type FlagKind = 'string' | 'boolean' | 'list' | 'json';

export interface FlagSpec {
  readonly kind: FlagKind;
  /** One-letter alias, e.g. 'i' for -i. Booleans may be bundled: -iv. */
  readonly short?: string;
  /** Placeholder shown in errors, e.g. 'PORT'. */
  readonly value?: string;
  /**
   * The value names a file or directory: in a config file a relative one is taken relative
   * to the config file's own directory (as nginx and Apache do), not the working directory.
   * Values listed in `literals` (such as '-' or 'off') are not paths.
   */
  readonly path?: { readonly literals?: readonly string[] };
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  readonly flags: FlagValues;
  readonly positionals: string[];
}

export function parseFlags(args: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const flags: FlagValues = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.short) byShort.set(spec.short, name);

  const assign = (name: string, spec: FlagSpec, value: string | boolean): void => {
    if (spec.kind === 'list') {
      const list = (flags[name] as string[] | undefined) ?? [];
      list.push(String(value));
      flags[name] = list;
    } else {
      flags[name] = value;
    }
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      let spec = specs[name];
      if (!spec && name.startsWith('no-') && specs[name.slice(3)]?.kind === 'boolean') {
        name = name.slice(3);
        spec = specs[name];
        if (inline !== undefined) throw new UsageError(`--no-${name} takes no value`);
        flags[name] = false;
        continue;
      }
      if (!spec) throw new UsageError(`unknown flag --${name}${suggestion(name, Object.keys(specs), '--')}`);
      if (spec.kind === 'boolean') {
        if (inline !== undefined) throw new UsageError(`--${name} takes no value (use --${name} or --no-${name})`);
        flags[name] = true;
        continue;
      }
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value${spec.value ? ` (${spec.value})` : ''}`);
      assign(name, spec, value);
      continue;
    }
    if (arg.length > 1 && arg.startsWith('-') && !/^-\d/.test(arg)) {
      // One or more bundled short flags; a value-taking one consumes the rest or the next arg.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const name = byShort.get(letter);
        if (!name) throw new UsageError(`unknown flag -${letter}${j === 1 && arg.length > 2 ? suggestion(arg.slice(1), Object.keys(specs), '--') : ''}`);
        const spec = specs[name] as FlagSpec;
        if (spec.kind === 'boolean') {
          flags[name] = true;
          continue;
        }
        const rest = arg.slice(j + 1);
        const value = rest !== '' ? rest : args[++i];
        if (value === undefined) throw new UsageError(`-${letter} needs a value${spec.value ? ` (${spec.value})` : ''}`);
        assign(name, spec, value);
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { flags, positionals };
}

/**
 * ' (did you mean --port?)' when one known name is close to what was typed (a typo, a
 * missing or doubled letter, a single dash for two), else ''.
 */
export function suggestion(typed: string, known: readonly string[], prefix: string): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const distance = editDistance(typed.toLowerCase(), name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  // Close enough to be a slip of the fingers, not a different word.
  const allowed = typed.length <= 4 ? 1 : 2;
  return best !== undefined && bestDistance <= allowed ? ` (did you mean ${prefix}${best}?)` : '';
}

/** Edit distance counting insertions, deletions, substitutions and swapped neighbours (Damerau). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** Parses a whole number within [min, max] or throws a UsageError naming the flag. */
export function parseInteger(text: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} must be a whole number, got '${text}'`);
  const value = Number(text.trim());
  if (value < min || value > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Parses a non-negative number of seconds (fractions allowed) or throws a UsageError. */
export function parseSeconds(text: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(text.trim())) throw new UsageError(`${flag} must be a number of seconds, got '${text}'`);
  const value = Number(text.trim());
  if (value <= 0) throw new UsageError(`${flag} must be more than 0 seconds`);
  return value;
}

/** A port number or service name (`http`), or a UsageError naming where it came from. */
export function parsePort(text: string, source: string, protocol: TransportProtocol = 'tcp'): number {
  try {
    return resolvePort(text, protocol);
  } catch (error) {
    throw new UsageError(`${source}: ${(error as Error).message}`);
  }
}
