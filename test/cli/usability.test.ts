/**
 * What a new user meets first on the command line: the version, suggestions for typos,
 * config files whose paths are relative to themselves, one clean line for a bad file, and a
 * warning (not silence) when ROOT cannot be read.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PORTA_VERSION } from '../../src/version.js';
import { fetchOne, request } from '../helpers/raw-client.js';
import { runPorta, startPorta, unprivilegedUser } from '../helpers/spawn-porta.js';

const T = { timeout: 20_000 };

function assertOneLine(text: string, pattern: RegExp): void {
  assert.match(text, /^porta: [^\n]+\n$/, `exactly one line on standard error, got ${JSON.stringify(text)}`);
  assert.match(text, pattern);
}

describe('porta: version, typos and files', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'porta-cli-'));
  });

  after(async () => {
    await chmod(join(dir, 'locked'), 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  for (const spelling of ['-v', '-V', '--version', 'version']) {
    test(`porta ${spelling} prints the version and exits 0`, T, async () => {
      const result = await runPorta([spelling]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout.toString(), `porta ${PORTA_VERSION}\n`);
    });
  }

  for (const command of ['serve', 'echo', 'hello', 'nc', 'get', 'passwd']) {
    test(`porta ${command} --help: descriptions in one column, and examples`, T, async () => {
      const result = await runPorta([command, '--help']);
      assert.equal(result.code, 0);
      const help = result.stdout.toString();
      assert.match(help, /^Usage: porta /);
      assert.match(help, /\nExamples?:\n {2}porta /);
      const options = help.slice(help.indexOf('Options:\n') + 9, help.indexOf('\n\n', help.indexOf('Options:\n')));
      const columns = new Set<number>();
      for (const line of options.split('\n')) {
        const option = /^ {2}(-\S.*?\S) {2,}\S/.exec(line);
        if (option) columns.add(option[0].length - 1);
        else assert.match(line, /^ {4,}\S|^ {2}-\S+.*\S$/, `an option or continuation line: ${JSON.stringify(line)}`);
      }
      assert.equal(columns.size, 1, `descriptions start in ${columns.size} different columns`);
    });
  }

  test('a mistyped command gets a suggestion; an unrelated one the list of commands', T, async () => {
    const near = await runPorta(['serv']);
    assert.equal(near.code, 2);
    assertOneLine(near.stderr, /unknown command 'serv' \(did you mean serve\?\)/);
    const far = await runPorta(['frobnicate']);
    assert.equal(far.code, 2);
    assertOneLine(far.stderr, /unknown command 'frobnicate' \(commands: serve, echo, hello, nc, get/);
  });

  test('a mistyped flag gets a suggestion (typo, swapped letters, missing dash)', T, async () => {
    for (const [typed, meant] of [
      ['--prot', '--port'],
      ['--keepalive-timeout', '--keep-alive-timeout'],
      ['--qiuet', '--quiet'],
    ] as const) {
      const result = await runPorta(['serve', dir, typed, '1']);
      assert.equal(result.code, 2, typed);
      assertOneLine(result.stderr, new RegExp(`unknown flag ${typed} \\(did you mean ${meant}\\?\\)`));
    }
    const unrelated = await runPorta(['serve', dir, '--zzzzzz']);
    assert.equal(unrelated.code, 2);
    assertOneLine(unrelated.stderr, /unknown flag --zzzzzz$/m);
  });

  test('--redirects naming a directory: one line saying so, exit 2', T, async () => {
    const result = await runPorta(['serve', dir, '--redirects', dir]);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, /--redirects: cannot read .*: it is a directory, not a file/);
  });

  test('--config naming a directory: one line saying so, exit 2', T, async () => {
    const result = await runPorta(['serve', '--config', dir]);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr, /--config: cannot read .*: it is a directory, not a file/);
  });

  test('paths in a config file are relative to the file, not to where porta was started', T, async () => {
    const conf = join(dir, 'conf');
    await mkdir(join(conf, 'site'), { recursive: true });
    await writeFile(join(conf, 'site', 'here.txt'), 'served from the config-relative root\n');
    await writeFile(join(conf, 'rules.txt'), '301: ^/old$ /here.txt\n');
    await writeFile(join(conf, 'porta.json'), JSON.stringify({ root: 'site', redirects: 'rules.txt', accessLog: 'access.log', port: 0 }));
    // The test runs from the repository, so a working-directory-relative 'site' would not exist.
    const porta = startPorta(['serve', '--config', join(conf, 'porta.json'), '--host', '127.0.0.1']);
    try {
      const [, port] = await porta.waitForStderr(/Local:\s+http:\/\/[^\s]*:(\d+)\//);
      const file = await fetchOne(Number(port), request('GET', '/here.txt'));
      assert.equal(file.status, 200);
      assert.equal(file.text, 'served from the config-relative root\n');
      const moved = await fetchOne(Number(port), request('GET', '/old'));
      assert.equal(moved.status, 301);
      assert.match(porta.stderr(), new RegExp(`Access log: ${join(conf, 'access.log').replace(/[.]/g, '\\.')}`));
    } finally {
      await porta.stop();
    }
  });

  test('a ROOT reached through a symbolic link serves its files (not 403 for leaving the root)', T, async () => {
    await mkdir(join(dir, 'real-site'), { recursive: true });
    await writeFile(join(dir, 'real-site', 'page.txt'), 'through the link\n');
    await symlink(join(dir, 'real-site'), join(dir, 'linked-site'));
    const porta = startPorta(['serve', join(dir, 'linked-site'), '--host', '127.0.0.1', '--port', '0', '--access-log', 'off']);
    try {
      const [, port] = await porta.waitForStderr(/Local:\s+http:\/\/[^\s]*:(\d+)\//);
      const response = await fetchOne(Number(port), request('GET', '/page.txt'));
      assert.equal(response.status, 200);
      assert.equal(response.text, 'through the link\n');
    } finally {
      await porta.stop();
    }
  });

  test('a ROOT this user cannot read: porta starts, but warns on standard error', T, async (t) => {
    const locked = join(dir, 'locked');
    await mkdir(locked, { recursive: true });
    await chmod(locked, 0o000);
    await chmod(dir, 0o755);
    // root reads everything: run as nobody then, if nobody can read porta itself.
    const asUnprivileged = unprivilegedUser();
    if (typeof asUnprivileged === 'string') {
      t.skip(asUnprivileged);
      return;
    }
    const porta = startPorta(['serve', locked, '--host', '127.0.0.1', '--port', '0'], asUnprivileged);
    try {
      await porta.waitForStderr(/Local:\s+http/);
      assert.match(porta.stderr(), /^porta: warning: ROOT .*locked cannot be read by this user; every request will be answered 403/m);
    } finally {
      await porta.stop();
    }
  });
});
