/** What every sub-command module exports (src/cli/commands/<name>.ts). */
export interface Command {
  /** One-line summary shown by `porta --help`. */
  readonly summary: string;
  /** Full text shown by `porta <name> --help`. */
  readonly help: string;
  /**
   * Runs the command with the arguments after its name. Resolves to the process exit code
   * once the command has finished (servers resolve after a graceful shutdown).
   * Throws UsageError / RuntimeFailure for the one-line failures of docs/serve.md.
   */
  run(args: string[]): Promise<number>;
}
