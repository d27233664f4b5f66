/**
 * The optional JSON config file (`--config FILE`, docs/serve.md): an object whose keys are the long
 * flags in camelCase. Unknown keys and wrongly typed values are usage errors.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { describeFileError, UsageError } from './errors.js';
import { parseFlags, type FlagSpec, type FlagValues, type ParsedArgs } from './flags.js';

export function flagToKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Reads FILE and returns its settings as flag values (string / boolean / string[]), keyed by
 * flag name, so they can be validated exactly like flags. `extraKeys` maps further accepted
 * keys (e.g. `root`) to flag-like names.
 */
export function readConfigFile(file: string, specs: Readonly<Record<string, FlagSpec>>, extraKeys: Readonly<Record<string, FlagSpec>> = {}): FlagValues {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--config: cannot read ${file}: ${describeFileError(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config: ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`--config: ${file} must contain a JSON object`);
  }
  const byKey = new Map<string, [string, FlagSpec]>();
  for (const [flag, spec] of Object.entries(specs)) if (flag !== 'config') byKey.set(flagToKey(flag), [flag, spec]);
  for (const [key, spec] of Object.entries(extraKeys)) byKey.set(key, [key, spec]);

  const values: FlagValues = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const entry = byKey.get(key);
    if (!entry) throw new UsageError(`config key '${key}' in ${file} is unknown (keys are the long flags in camelCase, e.g. keepAliveTimeout)`);
    const [flag, spec] = entry;
    values[flag] = relativeToFile(convertValue(value, spec, key, file), spec, file);
  }
  return values;
}

/** A path in the file is relative to the file's directory, wherever porta was started. */
function relativeToFile(value: string | boolean | string[], spec: FlagSpec, file: string): string | boolean | string[] {
  const path = spec.path;
  if (path === undefined || typeof value === 'boolean') return value;
  const anchor = (one: string): string => (one === '' || isAbsolute(one) || path.literals?.includes(one) === true ? one : resolve(dirname(file), one));
  return typeof value === 'string' ? anchor(value) : value.map(anchor);
}

function convertValue(value: unknown, spec: FlagSpec, key: string, file: string): string | boolean | string[] {
  const wrong = (expected: string): UsageError => new UsageError(`config key '${key}' in ${file} must be ${expected}, got ${JSON.stringify(value)}`);
  switch (spec.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return value;
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      throw wrong('a string or number');
    case 'json':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrong('a JSON object');
      return JSON.stringify(value);
    case 'list':
      if (typeof value === 'string') return [value];
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
      throw wrong('a string or an array of strings');
  }
}

/**
 * parseFlags plus `--config FILE` for the commands whose every option is a flag: the file's
 * keys (camelCase long flags) fill in what the command line does not say.
 */
export function parseFlagsWithConfig(args: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const withConfig: Record<string, FlagSpec> = { ...specs, config: { kind: 'string', value: 'FILE' } };
  const { flags, positionals } = parseFlags(args, withConfig);
  if (typeof flags.config !== 'string') return { flags, positionals };
  const fromFile = readConfigFile(flags.config, withConfig);
  const merged: FlagValues = { ...fromFile };
  for (const [name, value] of Object.entries(flags)) if (value !== undefined && name !== 'config') merged[name] = value;
  return { flags: merged, positionals };
}
