#!/usr/bin/env node
/**
 * porta's single executable: dispatches to a sub-command. This layer (src/cli/) is the
 * only one that reads argv and the environment.
 */
import { PORTA_VERSION } from '../version.js';
import type { Command } from './command.js';
import { RuntimeFailure, UsageError } from './errors.js';
import { suggestion } from './flags.js';
import { alignHelp } from './help.js';
import { captureReloadSignal, captureStopSignals } from '../net/stop-signals.js';
import { keepYoungGenerationSmall } from './heap-tuning.js';

/** Commands that stop gracefully on SIGINT/SIGTERM: their stop signals are held from the first moment. */
const SERVICES = new Set(['serve', 'echo', 'hello']);
if (SERVICES.has(process.argv[2] ?? '')) {
  captureStopSignals();
  keepYoungGenerationSmall();
}
// `serve` reloads on SIGHUP; one that comes while it starts must not kill it.
if (process.argv[2] === 'serve') captureReloadSignal();

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  echo: async () => (await import('./commands/echo.js')).echoCommand,
  hello: async () => (await import('./commands/hello.js')).helloCommand,
  nc: async () => (await import('./commands/nc.js')).ncCommand,
  get: async () => (await import('./commands/get.js')).getCommand,
  passwd: async () => (await import('./commands/passwd.js')).passwdCommand,
};

async function overview(): Promise<string> {
  const lines = [`porta ${PORTA_VERSION}: a web server and socket toolkit`, '', 'Usage: porta <command> [options]', ''];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const command = await load();
    lines.push(`  ${name.padEnd(7)} ${command.summary}`);
  }
  lines.push('', 'Run `porta <command> --help` for the options of one command.', '');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === '-v' || name === 'version') {
    process.stdout.write(`porta ${PORTA_VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    const hint = suggestion(name, Object.keys(COMMANDS), '');
    throw new UsageError(`unknown command '${name}'${hint === '' ? ` (commands: ${Object.keys(COMMANDS).join(', ')})` : hint}; see porta --help`);
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    const help = alignHelp(command.help);
    process.stdout.write(help.endsWith('\n') ? help : `${help}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof RuntimeFailure) {
      process.stderr.write(`porta: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`porta: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
