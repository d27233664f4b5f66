/**
 * realpath that a file being replaced by rename cannot fool. Bun 1.4's realpath opens the path
 * and then reads /proc/self/fd/N, so a rename landing between the two makes it fail with
 * ENOENT although the name exists all along (scripts/repro/bun-realpath-rename.mjs): porta on
 * Bun answered 404 for a file at the moment a deploy swapped it. An ENOENT is therefore asked
 * again, a few times, while lstat says the name is there. Node's realpath has no such window,
 * so there the retry only runs for names that really went away (one lstat, then the error).
 */
import { lstat, realpath } from 'node:fs/promises';

const TRIES = 3;

export async function realPath(path: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= TRIES || !(await exists(path))) throw error;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
