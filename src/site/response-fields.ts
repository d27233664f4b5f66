/**
 * Fields the operator adds to answers (`--header`, `--cache-control`, `--max-age`, and per
 * path prefix in the config file), and the statuses they go on: like nginx's `add_header`,
 * successful and redirect answers and 304, not error pages (a year-long Cache-Control on a
 * 404 would keep the error in caches).
 */
import type { HeaderList } from '../http/response.js';

export interface PathFields {
  /** A path prefix (`/` for every path; `/assets/` for that folder and below). */
  readonly prefix: string;
  readonly fields: HeaderList;
}

const ADDED_ON = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

export function takesAddedFields(status: number): boolean {
  return ADDED_ON.has(status);
}

/** The fields for a decoded path: those of every matching prefix, shorter prefixes first. */
export function fieldsForPath(rules: readonly PathFields[], path: string): HeaderList | undefined {
  let found: Array<readonly [string, string]> | undefined;
  for (const rule of rules) if (path.startsWith(rule.prefix)) (found ??= []).push(...rule.fields);
  return found;
}
