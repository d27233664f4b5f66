/**
 * Every porta command in the README and docs/ runs as written, from a clone, and prints what
 * the text shows.
 *
 * - In ```sh blocks, each line that runs porta (`npx porta ...`, `porta ...`, with optional
 *   `NAME=value` prefixes and a trailing `# comment`) is run: servers (serve, echo, hello) on a
 *   free port until they are ready, answer, and stop with exit 0 on SIGTERM; `--help` and
 *   `--version` exit 0; other commands must exit 0. Client commands (get, nc) belong in
 *   console blocks, where their output is shown.
 * - In ```console blocks, `$ command` lines are run in order and what follows each, up to the
 *   next `$`, is its expected output (standard output and error as a terminal shows them).
 *   A server command starts in the background for the rest of the file; its expected lines
 *   must appear in its output in order. A client command's output must match exactly, where a
 *   line `...` stands for any number of lines, `...` inside a line for any text, and the
 *   values of Date, Last-Modified and ETag (which depend on the clock and the checkout) are
 *   not compared. Ports written in the text are mapped to free ports and back.
 *
 * Commands run in a scratch directory holding a link to examples/, so relative paths work as
 * in a clone and files they write (logs, uploads) land outside the repository.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { fileURLToPath } from 'node:url';
import { PORTA_MAIN } from '../helpers/spawn-porta.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const COMMAND_TIMEOUT_MS = 15_000;
const SERVERS = new Set(['serve', 'echo', 'hello']);

interface ShellCommand {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

interface ConsoleStep extends ShellCommand {
  readonly expected: string[];
}

interface Documents {
  readonly shell: ShellCommand[];
  /** Console blocks, per file, in order. */
  readonly consoles: Map<string, ConsoleStep[]>;
}

function documentFiles(): string[] {
  const files = ['README.md'];
  const docs = join(REPO, 'docs');
  if (existsSync(docs)) for (const name of readdirSync(docs).sort()) if (name.endsWith('.md')) files.push(`docs/${name}`);
  return files;
}

/** The porta command in a shell line, without prefixes: `serve examples/site`, or undefined. */
function portaPart(text: string): { env: Record<string, string>; args: string } | undefined {
  const env: Record<string, string> = {};
  let rest = text.trim();
  for (let match = /^([A-Z_][A-Z0-9_]*)=(\S*)\s+/.exec(rest); match; match = /^([A-Z_][A-Z0-9_]*)=(\S*)\s+/.exec(rest)) {
    env[match[1] as string] = match[2] as string;
    rest = rest.slice(match[0].length);
  }
  const command = /^(?:npx\s+)?porta(?:\s+(.*))?$/.exec(rest);
  return command ? { env, args: command[1] ?? '' } : undefined;
}

function withoutComment(line: string): string {
  return line.replace(/\s{2,}#\s.*$/, '').replace(/^#.*$/, '').trim();
}

function readDocuments(): Documents {
  const shell: ShellCommand[] = [];
  const consoles = new Map<string, ConsoleStep[]>();
  for (const file of documentFiles()) {
    const lines = readFileSync(join(REPO, file), 'utf8').split('\n');
    let block: 'sh' | 'console' | 'other' | undefined;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      const fence = /^\s*```(\w*)\s*$/.exec(line);
      if (fence) {
        block = block === undefined ? (fence[1] === 'sh' ? 'sh' : fence[1] === 'console' ? 'console' : 'other') : undefined;
        continue;
      }
      if (block === 'sh') {
        const text = withoutComment(line);
        if (text !== '' && portaPart(text) !== undefined) shell.push({ file, line: i + 1, text });
      } else if (block === 'console') {
        const steps = consoles.get(file) ?? [];
        consoles.set(file, steps);
        if (line.startsWith('$ ')) steps.push({ file, line: i + 1, text: line.slice(2).trim(), expected: [] });
        else steps[steps.length - 1]?.expected.push(line);
      }
    }
  }
  return { shell, consoles };
}

interface Run {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** Runs a shell line with `porta` on PATH (the built CLI), output merged as on a terminal. */
function runShell(text: string, cwd: string, bin: string, env: Record<string, string> = {}): Run {
  const child = spawn('bash', ['-c', `exec 2>&1; ${text}`], {
    cwd,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const wakers = new Set<() => void>();
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    output += chunk;
    for (const wake of wakers) wake();
  });
  const killer = setTimeout(() => killGroup(child, 'SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      for (const wake of wakers) wake();
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    output: () => output,
    waitFor(pattern, timeoutMs = COMMAND_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms; output: ${output}`)), timeoutMs);
        const done = (error?: Error): void => {
          clearTimeout(timer);
          wakers.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = (): void => {
          if (pattern.test(output)) done();
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`exited before ${pattern}; output: ${output}`));
        };
        wakers.add(check);
        check();
      });
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** What a server prints once it is ready. */
const READY = /Local:\s+https?:\/\/|listening on/;

/** `--port N` / `-p N` in a command, or the command's default port. */
function documentedPort(args: string, env: Record<string, string>): number {
  const flag = /(?:--port|-p)[=\s]+(\d+)/.exec(args);
  if (flag) return Number(flag[1]);
  const command = args.split(/\s+/)[0];
  if (command === 'serve') return Number(env.PORT ?? 8080);
  if (command === 'hello') return 4242;
  return 7;
}

/** The command with its port replaced by `real` (added when it had none). */
function onPort(args: string, real: number): string {
  if (/(?:--port|-p)[=\s]+\d+/.test(args)) return args.replace(/((?:--port|-p)[=\s]+)\d+/, `$1${real}`);
  return `${args} --port ${real}`;
}

function mapPorts(text: string, ports: ReadonlyMap<number, number>, reverse = false): string {
  let mapped = text;
  for (const [documented, real] of ports) {
    const [from, to] = reverse ? [real, documented] : [documented, real];
    mapped = mapped.replace(new RegExp(`(localhost|127\\.0\\.0\\.1|\\[::1\\]|0\\.0\\.0\\.0|\\[::\\]|\\) port)([: ])${from}\\b`, 'g'), `$1$2${to}`);
  }
  return mapped;
}

const VARYING_FIELD = /^([<>] )?(Date|Last-Modified|ETag|Expires): .*$/i;

function normalise(line: string): string {
  return line.trimEnd().replace(VARYING_FIELD, (_, prefix: string | undefined, name: string) => `${prefix ?? ''}${name}: <varies>`);
}

/** Exact match of lines, with `...` lines (any number of lines) and `...` inside a line. */
function matchLines(actual: readonly string[], expected: readonly string[]): boolean {
  const linePattern = (line: string): RegExp => new RegExp(`^${line.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const match = (a: number, e: number): boolean => {
    if (e === expected.length) return a === actual.length;
    const want = expected[e] as string;
    if (want === '...') {
      for (let skip = a; skip <= actual.length; skip++) if (match(skip, e + 1)) return true;
      return false;
    }
    return a < actual.length && linePattern(want).test(actual[a] as string) && match(a + 1, e + 1);
  };
  return match(0, 0);
}

function trimBlank(lines: readonly string[]): string[] {
  const copy = [...lines];
  while (copy.length > 0 && copy[copy.length - 1] === '') copy.pop();
  return copy;
}

describe('README and docs examples', () => {
  const documents = readDocuments();
  let scratch: string;
  let bin: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'porta-readme-'));
    await symlink(join(REPO, 'examples'), join(scratch, 'examples'));
    bin = join(scratch, '.bin');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    // `porta` and `npx porta` both run the built CLI of this checkout.
    await writeFile(join(bin, 'porta'), `#!/bin/sh\nexec "${process.execPath}" "${PORTA_MAIN}" "$@"\n`);
    await writeFile(join(bin, 'npx'), `#!/bin/sh\nif [ "$1" = porta ]; then shift; exec "${join(bin, 'porta')}" "$@"; fi\nexec npx "$@"\n`);
    await chmod(join(bin, 'porta'), 0o755);
    await chmod(join(bin, 'npx'), 0o755);
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('there are examples to check', () => {
    assert.ok(documents.shell.length >= 5, `only ${documents.shell.length} shell examples found`);
    assert.ok([...documents.consoles.values()].flat().length >= 5, 'too few console examples found');
  });

  for (const command of documents.shell) {
    test(`${command.file}:${command.line}: ${command.text}`, { timeout: 30_000 }, async () => {
      const { env, args } = portaPart(command.text) as { env: Record<string, string>; args: string };
      const name = args.split(/\s+/)[0] ?? '';
      if (/(^|\s)(--help|-h|--version|-v)(\s|$)/.test(args) || args === '') {
        const run = runShell(`porta ${args}`, scratch, bin, env);
        const code = await run.exited;
        assert.equal(code, args === '' ? 2 : 0, run.output());
        return;
      }
      assert.ok(SERVERS.has(name), `client commands (${name}) belong in a console block with their output`);
      const real = await freePort();
      const run = runShell(`porta ${onPort(args, real)}`, scratch, bin, env);
      try {
        await run.waitFor(READY);
      } finally {
        killGroup(run.child, 'SIGTERM');
      }
      assert.equal(await run.exited, 0, `a graceful stop exits 0; output: ${run.output()}`);
    });
  }

  for (const [file, steps] of documents.consoles) {
    describe(`${file} console sessions`, () => {
      const ports = new Map<number, number>();
      const servers: Run[] = [];

      after(async () => {
        for (const server of servers) killGroup(server.child, 'SIGTERM');
        await Promise.all(servers.map((server) => server.exited));
      });

      for (const step of steps) {
        test(`${file}:${step.line}: $ ${step.text}`, { timeout: 30_000 }, async () => {
          const expected = trimBlank(step.expected).map((line) => normalise(line));
          const porta = portaPart(step.text.replace(/\s*&$/, ''));
          const name = porta?.args.split(/\s+/)[0] ?? '';
          if (porta !== undefined && SERVERS.has(name) && !/--help|--version/.test(porta.args)) {
            const documented = documentedPort(porta.args, porta.env);
            const real = await freePort();
            ports.set(documented, real);
            const run = runShell(`porta ${onPort(porta.args, real)}`, scratch, bin, porta.env);
            servers.push(run);
            await run.waitFor(READY);
            const shown = mapPorts(run.output(), ports, true).split('\n').map(normalise);
            let at = 0;
            for (const want of expected.filter((line) => line !== '...')) {
              while (at < shown.length && !matchLines([shown[at] as string], [want])) at++;
              assert.ok(at < shown.length, `"${want}" not in the server's output:\n${shown.join('\n')}`);
              at++;
            }
            return;
          }
          const run = runShell(mapPorts(step.text, ports), scratch, bin);
          await run.exited;
          const actual = trimBlank(mapPorts(run.output(), ports, true).split('\n').map(normalise));
          assert.ok(matchLines(actual, expected), `output differs.\n--- shown in ${file}:\n${expected.join('\n')}\n--- printed:\n${actual.join('\n')}`);
        });
      }
    });
  }
});
