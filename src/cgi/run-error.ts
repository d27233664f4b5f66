/**
 * Why a CGI run ended without its answer. These are conditions of the program's or the
 * client's making (it ran too long, wrote a bad header block, the client left), not faults
 * of porta's: each is reported as one line naming the program, without a stack, which would
 * only show porta's own call path and bury the line that matters.
 */
export type CgiFailure =
  /** Still running at --cgi-timeout. */
  | 'timeout'
  /** Its output is not a valid header block, or ended before one. */
  | 'output'
  /** It exited, but something it started kept its output open past the grace period. */
  | 'orphaned-output'
  /** Reading the request body for it failed (`reason` is the body's own error). */
  | 'input'
  /** The client left before the answer was out. */
  | 'client-gone'
  /** It could not be started. */
  | 'spawn';

export class CgiRunError extends Error {
  constructor(
    readonly failure: CgiFailure,
    /** The program's URL path, for the log line. */
    readonly label: string,
    detail: string,
    readonly reason?: unknown,
  ) {
    super(`CGI ${label}: ${detail}`);
    this.name = 'CgiRunError';
    // One line in the log: what happened, and to which program.
    this.stack = this.message;
  }
}
