/** `porta echo`: argument handling for the RFC 862 echo service (src/services/echo-server.ts). */
import { describeListenError } from '../../net/listen-error.js';
import { startEchoServer, type EchoServer } from '../../services/echo-server.js';
import type { Command } from '../command.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { parsePort, type FlagSpec } from '../flags.js';
import { waitForStopSignal } from '../signals.js';
import { parseFlagsWithConfig } from '../config-file.js';

const FLAGS: Record<string, FlagSpec> = {
  host: { kind: 'string', value: 'ADDR' },
  port: { kind: 'string', short: 'p', value: 'PORT' },
  tcp: { kind: 'boolean' },
  udp: { kind: 'boolean' },
  lines: { kind: 'boolean' },
  prefix: { kind: 'string', value: 'TEXT' },
  quiet: { kind: 'boolean', short: 'q' },
};

const HELP = `Usage: porta echo [options]

RFC 862 echo service: every byte a TCP client sends comes back until it half-closes,
then the server closes; every UDP datagram is returned to its sender.

Options:
  --config FILE    JSON file whose keys are the long flags in camelCase (flags win)
  --host ADDR      address to bind (default 0.0.0.0; :: for dual stack, 127.0.0.1 for loopback only)
  --port PORT      port number or service name (default 7, which needs root: try --port 7007)
  --tcp            serve TCP only
  --udp            serve UDP only (default: both, on the same port number)
  --lines          line mode: answer each line with the prefix followed by the line
  --prefix TEXT    the prefix for line mode (implies --lines), e.g. --prefix 'You said: '
  -q, --quiet      no start-up line on standard error

Example:
  porta echo --port 7007 --lines --prefix 'You said: '
`;

export const echoCommand: Command = {
  summary: 'RFC 862 echo service over TCP and UDP (--lines --prefix for "You said: ...")',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { flags, positionals } = parseFlagsWithConfig(args, FLAGS);
    if (positionals.length > 0) throw new UsageError(`porta echo takes no arguments, got '${positionals[0]}'`);
    const host = (flags.host as string | undefined) ?? '0.0.0.0';
    const onlyTcp = flags.tcp === true;
    const onlyUdp = flags.udp === true;
    const port = parsePort((flags.port as string | undefined) ?? '7', '--port', onlyUdp && !onlyTcp ? 'udp' : 'tcp');
    const prefix = flags.prefix as string | undefined;
    const lineMode = flags.lines === true || prefix !== undefined;

    let server: EchoServer;
    try {
      server = await startEchoServer({
        host,
        port,
        tcp: onlyTcp || !onlyUdp,
        udp: onlyUdp || !onlyTcp,
        linePrefix: lineMode ? (prefix ?? '') : undefined,
      });
    } catch (error) {
      throw new RuntimeFailure(describeListenError(error, host, port));
    }
    if (flags.quiet !== true) process.stderr.write(`porta echo: listening on ${describeEndpoints(server)}\n`);
    await waitForStopSignal();
    await server.close();
    return 0;
  },
};


/** `tcp 0.0.0.0:7007 and udp 0.0.0.0:7007`. */
function describeEndpoints(server: EchoServer): string {
  const parts: string[] = [];
  if (server.tcpAddress) parts.push(`tcp ${formatAddress(server.tcpAddress.address, server.tcpAddress.port)}`);
  if (server.udpAddress) parts.push(`udp ${formatAddress(server.udpAddress.address, server.udpAddress.port)}`);
  return parts.join(' and ');
}

function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
