/** `porta hello`: argument handling for the greeting service (src/services/hello-server.ts). */
import { describeListenError } from '../../net/listen-error.js';
import { formatHelloLogLine } from '../../services/hello-log.js';
import { DEFAULT_GREETING, startHelloServer, type HelloServer } from '../../services/hello-server.js';
import type { Command } from '../command.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { parsePort, parseSeconds, type FlagSpec } from '../flags.js';
import { waitForStopSignal } from '../signals.js';
import { parseFlagsWithConfig } from '../config-file.js';

const DEFAULT_PORT = '4242';

const FLAGS: Record<string, FlagSpec> = {
  host: { kind: 'string', value: 'ADDR' },
  port: { kind: 'string', short: 'p', value: 'PORT' },
  message: { kind: 'string', short: 'm', value: 'TEXT' },
  'dns-timeout': { kind: 'string', value: 'SEC' },
  quiet: { kind: 'boolean', short: 'q' },
};

const HELP = `Usage: porta hello [options]

On each TCP connection, sends one greeting line and closes. Logs one line per
connection on standard output.

Options:
  --config FILE    JSON file whose keys are the long flags in camelCase (flags win)
  --host ADDR         address to bind (default 0.0.0.0; :: for dual stack)
  --port PORT         port number or service name (default ${DEFAULT_PORT})
  -m, --message TEXT  the greeting (default '${DEFAULT_GREETING}'); {ip}, {port} and {host}
                      become the client's address, port and reverse-DNS name
  --dns-timeout SEC   how long the {host} lookup may take before the address is used (default 1)
  -q, --quiet         no start-up line on standard error

Example:
  porta hello --port 4242 --message 'Hello {host}, you came from port {port}'
`;

export const helloCommand: Command = {
  summary: 'greets each TCP client with one line ({ip}, {port}, {host}) and closes',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { flags, positionals } = parseFlagsWithConfig(args, FLAGS);
    if (positionals.length > 0) throw new UsageError(`porta hello takes no arguments, got '${positionals[0]}'`);
    const host = (flags.host as string | undefined) ?? '0.0.0.0';
    const port = parsePort((flags.port as string | undefined) ?? DEFAULT_PORT, '--port');
    const dnsTimeout = flags['dns-timeout'] as string | undefined;
    const lookupTimeoutMs = dnsTimeout === undefined ? 1000 : parseSeconds(dnsTimeout, '--dns-timeout') * 1000;

    let server: HelloServer;
    try {
      server = await startHelloServer({
        host,
        port,
        message: (flags.message as string | undefined) ?? DEFAULT_GREETING,
        lookupTimeoutMs,
        onConnection: (record) => process.stdout.write(`${formatHelloLogLine(record)}\n`),
      });
    } catch (error) {
      throw new RuntimeFailure(describeListenError(error, host, port));
    }
    if (flags.quiet !== true) {
      const { address, port: bound } = server.address;
      process.stderr.write(`porta hello: listening on tcp ${address.includes(':') ? `[${address}]` : address}:${bound}\n`);
    }
    await waitForStopSignal();
    await server.close();
    return 0;
  },
};
