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

export { describeFileError } from '../file-error.js';
