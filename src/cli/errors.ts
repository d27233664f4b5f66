/**
 * The two ways a command fails, as docs/serve.md defines them:
 * a usage error (bad flag, bad value, missing file) exits 2,
 * a runtime failure (port in use, no permission, network error) exits 1.
 * Both print exactly one clear line on standard error.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export class RuntimeFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Why a file could not be read, in words (for the one-line errors), not a raw errno dump. */
export function describeFileError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
