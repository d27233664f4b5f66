/** `porta get URL`: argument handling for the raw-socket HTTP/1.1 client (src/client/http-*.ts). */
import { ClientFailure } from '../../client/client-failure.js';
import { httpGet } from '../../client/http-get.js';
import { checkMethod, parseFieldArgument } from '../../client/http-request.js';
import { parseHttpUrl } from '../../client/http-target.js';
import type { Command } from '../command.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { parseSeconds, type FlagSpec } from '../flags.js';
import { parseFlagsWithConfig } from '../config-file.js';

const FLAGS: Record<string, FlagSpec> = {
  include: { kind: 'boolean', short: 'i' },
  head: { kind: 'boolean', short: 'I' },
  verbose: { kind: 'boolean', short: 'v' },
  header: { kind: 'list', short: 'H', value: "'Name: value'" },
  request: { kind: 'string', short: 'X', value: 'METHOD' },
  location: { kind: 'boolean', short: 'L' },
  timeout: { kind: 'string', value: 'SEC' },
};

const HELP = `Usage: porta get [options] URL

A minimal HTTP/1.1 client on raw sockets: prints the response body on standard output.
Understands Content-Length, chunked (with trailers) and close-delimited bodies.
http:// only (an https:// URL is a usage error, exit 2). Exit 0 for any response that
arrived, even 404 or 500; 1 for network failures and malformed responses.

Options:
  --config FILE    JSON file whose keys are the long flags in camelCase (flags win)
  -i, --include             also print the status line and header fields (and trailers)
  -I, --head                send HEAD and print the head
  -v, --verbose             show the request sent ('> ') and the head received ('< ') on stderr
  -H, --header 'Name: value'  add a field (repeatable); replaces a default of the same name,
                            'Name:' with no value removes it
  -X, --request METHOD      request method (default GET)
  -L, --location            follow redirects (at most 10)
  --timeout SEC             connect time-out and longest silence from the server (default 30)

Examples:
  porta get http://localhost:8080/
  porta get -i -H 'Accept: text/plain' http://[::1]:8080/notes.txt
`;

export const getCommand: Command = {
  summary: 'minimal HTTP/1.1 client on raw sockets (-i, -I, -v, -H, -X, -L)',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { flags, positionals } = parseFlagsWithConfig(args, FLAGS);
    if (positionals.length !== 1) throw new UsageError('usage: porta get [options] URL');
    const headOnly = flags.head === true;
    const request = flags.request as string | undefined;
    if (headOnly && request !== undefined) throw new UsageError('-I (HEAD) and -X cannot be combined');
    const timeout = flags.timeout as string | undefined;
    const timeoutMs = timeout === undefined ? 30_000 : parseSeconds(timeout, '--timeout') * 1000;

    const target = asUsage(() => parseHttpUrl(positionals[0] as string));
    const fields = asUsage(() => ((flags.header as string[] | undefined) ?? []).map(parseFieldArgument));
    const method = headOnly ? 'HEAD' : asUsage(() => checkMethod(request ?? 'GET'));
    try {
      await httpGet({
        target,
        method,
        fields,
        includeHead: headOnly || flags.include === true,
        verbose: flags.verbose === true,
        followRedirects: flags.location === true,
        timeoutMs,
        output: process.stdout,
        diagnostics: process.stderr,
      });
    } catch (error) {
      if (error instanceof ClientFailure) throw new RuntimeFailure(error.message);
      throw error;
    }
    return 0;
  },
};

/** A problem with what the user typed (URL, -H, -X) is a usage error, exit 2. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ClientFailure) throw new UsageError(error.message);
    throw error;
  }
}
