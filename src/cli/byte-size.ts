/**
 * Byte sizes on the command line and in the config file: a whole number of bytes, or one
 * with a suffix as nginx reads them, powers of 1024: `k`/`K` KiB, `m`/`M` MiB, `g`/`G` GiB,
 * optionally followed by `B` or `iB` (`512k`, `10MB`, `1GiB`, `1048576`). Fractions are not
 * accepted (nginx has none either): say `1536k` for one and a half megabytes.
 */
import { UsageError } from './errors.js';

const SIZE = /^(\d+)[ \t]*(?:([kKmMgG])(?:i?[bB])?|[bB])?$/;
const MULTIPLIER: Readonly<Record<string, number>> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses a size within [min, max] bytes, or throws a UsageError naming `source` (a flag or config key). */
export function parseByteSize(text: string, source: string, min: number, max: number): number {
  const match = SIZE.exec(text.trim());
  if (match === null) throw new UsageError(`${source} must be a size in bytes such as 1048576, 512k, 10MB or 1G (k = 1024), got '${text}'`);
  const unit = match[2]?.toLowerCase();
  const value = Number(match[1]) * (unit === undefined ? 1 : (MULTIPLIER[unit] as number));
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`${source} must be between ${min} and ${max} bytes, got '${text}'`);
  return value;
}
