/** `porta get URL`: argument handling for the raw-socket HTTP/1.1 client (src/client/http-*.ts). */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ClientFailure, OutputFailure } from '../../client/client-failure.js';
import { FileOutput } from '../../client/file-output.js';
import { httpGet, type Credentials } from '../../client/http-get.js';
import { checkMethod, parseFieldArgument } from '../../client/http-request.js';
import { parseHttpUrl, targetOf } from '../../client/http-target.js';
import { dataBody, uploadBody, uploadUrl, type RequestBody } from '../../client/request-body.js';
import type { Command } from '../command.js';
import { RuntimeFailure, UsageError, describeFileError } from '../errors.js';
import { parseSeconds, type FlagSpec } from '../flags.js';
import { parseFlagsWithConfig } from '../config-file.js';
import { exitCodeOf } from './get-exit-codes.js';

const FLAGS: Record<string, FlagSpec> = {
  include: { kind: 'boolean', short: 'i' },
  head: { kind: 'boolean', short: 'I' },
  verbose: { kind: 'boolean', short: 'v' },
  header: { kind: 'list', short: 'H', value: "'Name: value'" },
  request: { kind: 'string', short: 'X', value: 'METHOD' },
  location: { kind: 'boolean', short: 'L' },
  data: { kind: 'list', short: 'd', value: 'DATA' },
  'upload-file': { kind: 'string', short: 'T', value: 'FILE', path: {} },
  user: { kind: 'string', short: 'u', value: 'USER:PASSWORD' },
  fail: { kind: 'boolean', short: 'f' },
  output: { kind: 'string', short: 'o', value: 'FILE', path: { literals: ['-'] } },
  insecure: { kind: 'boolean', short: 'k' },
  timeout: { kind: 'string', value: 'SEC' },
};

/** -d's default type, as curl and HTML forms send it. */
const FORM_TYPE = 'application/x-www-form-urlencoded';

const HELP = `Usage: porta get [options] URL

A small curl on raw sockets: prints the response body on standard output.
HTTP/1.1 over TCP, or over TLS for https:// URLs. Understands Content-Length, chunked
(with trailers) and close-delimited bodies.

Options:
  --config FILE    JSON file whose keys are the long flags in camelCase (flags win)
  -i, --include             also print the status line and header fields (and trailers)
  -I, --head                send HEAD and print the head
  -v, --verbose             show the connection, the request sent ('> ') and the head
                            received ('< ') on stderr
  -H, --header 'Name: value'  add a field (repeatable); replaces a default of the same name,
                            'Name:' with no value removes it
  -X, --request METHOD      request method (default GET; POST with -d, PUT with -T)
  -L, --location            follow redirects (at most 10)
  -d, --data DATA           POST DATA as a form (${FORM_TYPE});
                            @FILE: a file without its line breaks, @-: standard input;
                            repeated, the parts are joined with '&'
  -T, --upload-file FILE    PUT the file, streamed; a URL ending in / gets the file's name
  -u, --user USER:PASSWORD  Basic authentication, and Digest (MD5, SHA-256) when a 401 asks
                            for it; sent only to the URL's own origin
  -f, --fail                a status of 400 or more prints nothing and exits 22
  -o, --output FILE         write the body (and heads with -i) to FILE instead of stdout
  -k, --insecure            https: accept any certificate (encrypted, but not verified)
  --timeout SEC             connect time-out and longest silence from the server (default 30)

Exit codes: 0 a response arrived (any status without -f), or the reader of the output
went away (porta get URL | head -1); 1 network failure or malformed response; 2 usage
error (bad URL or flag, unreadable -d/-T file); 22 -f and a status >= 400; 23 the output
could not be written; 35 the TLS handshake failed; 60 the server's certificate could not
be verified (see -k).

Examples:
  porta get http://localhost:8080/
  porta get -i -H 'Accept: text/plain' http://[::1]:8080/notes.txt
  porta get -d 'name=Ada' http://localhost:8080/cgi-bin/hello.cgi
  porta get -u alice:wonderland -T minutes.txt http://localhost:8080/inbox/
  porta get -k -f -o hello.txt https://localhost:8443/hello.txt
  porta get -I -L http://localhost:8080/docs | head -1
`;

export const getCommand: Command = {
  summary: 'a small curl on raw sockets (-i, -I, -v, -H, -X, -L, -d, -T, -u, -f, -o, -k)',
  help: HELP,
  async run(args: string[]): Promise<number> {
    // The reader of standard output may go away at any moment (`| head -1`); that is
    // reported by httpGet while it runs, and ignored after it (nothing is left to say).
    // Standard error gone too means there is no one to tell anything.
    process.stdout.on('error', () => undefined);
    process.stderr.on('error', () => undefined);

    const { flags, positionals } = parseFlagsWithConfig(args, FLAGS);
    if (positionals.length !== 1) throw new UsageError('usage: porta get [options] URL');
    const headOnly = flags.head === true;
    const request = flags.request as string | undefined;
    const data = flags.data as string[] | undefined;
    const uploadFile = flags['upload-file'] as string | undefined;
    if (headOnly && request !== undefined) throw new UsageError('-I (HEAD) and -X cannot be combined');
    if (data !== undefined && uploadFile !== undefined) throw new UsageError('-d and -T cannot be combined (one request has one body)');
    if (headOnly && (data !== undefined || uploadFile !== undefined)) throw new UsageError('-I (HEAD) sends no body: it cannot be combined with -d or -T');
    const timeout = flags.timeout as string | undefined;
    const timeoutMs = timeout === undefined ? 30_000 : parseSeconds(timeout, '--timeout') * 1000;
    let target = asUsage(() => parseHttpUrl(positionals[0] as string));
    const fields = asUsage(() => ((flags.header as string[] | undefined) ?? []).map(parseFieldArgument));
    const credentials = parseUser(flags.user as string | undefined);

    let body: RequestBody | undefined;
    if (data !== undefined) body = await asUsageAsync(() => dataBody(data, process.stdin));
    if (uploadFile !== undefined) {
      body = await asUsageAsync(() => uploadBody(uploadFile));
      target = targetOf(uploadUrl(target.url, uploadFile));
    }
    if (body !== undefined && fields.some((field) => /^(content-length|transfer-encoding)$/i.test(field.name))) {
      throw new UsageError('-H cannot set Content-Length or Transfer-Encoding with -d or -T: porta get frames the body itself');
    }
    const method = headOnly ? 'HEAD' : asUsage(() => checkMethod(request ?? (data !== undefined ? 'POST' : uploadFile !== undefined ? 'PUT' : 'GET')));

    // `-o -` is standard output, as in curl.
    const outputFile = flags.output === '-' ? undefined : (flags.output as string | undefined);
    const output: Writable = outputFile === undefined ? process.stdout : new FileOutput(outputFile);
    // Its errors are reported by httpGet and closeFile; none may go unheard in between.
    if (output instanceof FileOutput) output.on('error', () => undefined);
    try {
      await httpGet({
        target,
        method,
        fields,
        includeHead: headOnly || flags.include === true,
        verbose: flags.verbose === true,
        followRedirects: flags.location === true,
        timeoutMs,
        output,
        diagnostics: process.stderr,
        body,
        contentType: data !== undefined ? FORM_TYPE : undefined,
        credentials,
        insecure: flags.insecure === true,
        failOnError: flags.fail === true,
      });
      if (output instanceof FileOutput) await closeFile(output);
    } catch (error) {
      if (output instanceof FileOutput) output.destroy();
      if (error instanceof OutputFailure) {
        if (error.readerGone && outputFile === undefined) return 0;
        const where = outputFile ?? 'standard output';
        throw new RuntimeFailure(`cannot write ${where}: ${describeFileError(error.error)}`, 23);
      }
      if (error instanceof ClientFailure) throw new RuntimeFailure(error.message, exitCodeOf(error.kind));
      throw error;
    }
    return 0;
  },
};

/** -u USER:PASSWORD; the password may itself hold colons (only the first one separates). */
function parseUser(text: string | undefined): Credentials | undefined {
  if (text === undefined) return undefined;
  const colon = text.indexOf(':');
  if (colon < 0) throw new UsageError(`-u '${text}': give the password too, as USER:PASSWORD`);
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Ends the -o file and waits until its bytes are written and it is closed. */
async function closeFile(file: FileOutput): Promise<void> {
  file.end();
  try {
    await finished(file);
  } catch (error) {
    throw new OutputFailure(error as Error);
  }
}

/** A problem with what the user typed (URL, -H, -X) is a usage error, exit 2. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ClientFailure) throw new UsageError(error.message);
    throw error;
  }
}

/** The same for what the user named (a -d @FILE or -T FILE that cannot be read). */
async function asUsageAsync<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof ClientFailure) throw new UsageError(error.message);
    throw error;
  }
}
