/** `porta nc HOST PORT`: argument handling for the netcat-style client (src/client/nc-*.ts). */
import { ClientFailure } from '../../client/client-failure.js';
import { runTcpSession, type Peer } from '../../client/nc-tcp.js';
import { runUdpSession } from '../../client/nc-udp.js';
import type { Command } from '../command.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { parsePort, parseSeconds, type FlagSpec } from '../flags.js';
import { parseFlagsWithConfig } from '../config-file.js';

const FLAGS: Record<string, FlagSpec> = {
  udp: { kind: 'boolean', short: 'u' },
  timeout: { kind: 'string', short: 'w', value: 'SEC' },
  quiet: { kind: 'boolean', short: 'q' },
};

const HELP = `Usage: porta nc [options] HOST PORT

A netcat/telnet-style client. TCP: copies standard input to the server and the
server's answer to standard output; when input ends it half-closes the connection
and exits once the server has closed. PORT is a number or a service name (echo, http).

Options:
  --config FILE    JSON file whose keys are the long flags in camelCase (flags win)
  -u, --udp          send each input line as one datagram and print each reply; after
                     input ends, wait up to the time-out for the replies still owed
  -w, --timeout SEC  connect time-out (UDP: reply time-out), default 10
  -q, --quiet        no 'Connected to' line on standard error

Examples:
  porta nc localhost 7007 < file.bin > copy.bin
  echo hello | porta nc -u localhost 7007
`;

export const ncCommand: Command = {
  summary: 'netcat-style client: stdin to a TCP (or --udp) server, its answer to stdout',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { flags, positionals } = parseFlagsWithConfig(args, FLAGS);
    if (positionals.length !== 2) throw new UsageError('usage: porta nc [--udp] [--timeout SEC] HOST PORT');
    const [host, portText] = positionals as [string, string];
    const udp = flags.udp === true;
    const port = parsePort(portText, 'PORT', udp ? 'udp' : 'tcp');
    if (port === 0) throw new UsageError('PORT: cannot connect to port 0');
    const timeout = flags.timeout as string | undefined;
    const timeoutMs = timeout === undefined ? 10_000 : parseSeconds(timeout, '--timeout') * 1000;
    const onConnected = (peer: Peer): void => {
      if (flags.quiet !== true) process.stderr.write(`Connected to ${peer.host} (${peer.address}) port ${peer.port}\n`);
    };

    const session = udp ? runUdpSession : runTcpSession;
    try {
      await session({ host, port, timeoutMs, input: process.stdin, output: process.stdout, onConnected });
    } catch (error) {
      if (error instanceof ClientFailure) throw new RuntimeFailure(error.message);
      throw error;
    } finally {
      // A terminal or a pipe that still has input would otherwise keep the process alive.
      process.stdin.destroy();
    }
    return 0;
  },
};
