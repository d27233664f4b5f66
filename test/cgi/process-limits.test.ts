/**
 * What a CGI program may cost, on the wire: it never outlives its client, its own exit, or
 * its deadline (nor does anything it started in its process group); at most --cgi-max run
 * at once; a client cannot pose as a proxy through a field name; and each of these
 * conditions is one line in the error log. Perl programs in a temporary site, a real porta
 * over a real socket.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, withPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { RawConnection, assertErrorPage, fetchOne, request } from '../helpers/raw-client.js';
import { runPorta, startPorta as spawnPorta } from '../helpers/spawn-porta.js';
import { eventually } from '../helpers/eventually.js';

const T = { timeout: 20_000 };

/** Notes a pid in NAME (written whole, then renamed, so a reader never sees half of it). */
const NOTE = `sub note { my ($name, $pid) = @_; open(my $f, '>', "$name.tmp") or die; print $f $pid; close $f; rename("$name.tmp", $name) or die; }`;

const PROGRAMS: Record<string, string> = {
  // Starts a child that keeps standard output open, notes both pids, and waits.
  'bin/hold.cgi': `#!/usr/bin/perl
${NOTE}
my $tag = $ENV{QUERY_STRING};
my $child = fork();
if ($child == 0) { exec('sleep', '300'); exit 1; }
note("hold-$tag.child", $child);
note("hold-$tag.self", $$);
sleep 300;
`,
  // Exits at once, leaving a child that holds standard output; with ?head... it answers first.
  'bin/orphan.cgi': `#!/usr/bin/perl
${NOTE}
$| = 1;
my $tag = $ENV{QUERY_STRING};
print "Content-Type: text/plain\\n\\nbefore exit\\n" if $tag =~ /^head/;
my $child = fork();
if ($child == 0) { exec('sleep', '300'); exit 1; }
note("orphan-$tag.child", $child);
exit 0;
`,
  // Answers, closes its output, and runs on (the old trick for work after the answer).
  'bin/after.cgi': `#!/usr/bin/perl
${NOTE}
$| = 1;
print "Content-Type: text/plain\\n\\nanswered\\n";
close(STDOUT);
note("after.self", $$);
sleep 300;
`,
  'bin/env.cgi': `#!/usr/bin/perl
print "Content-Type: text/plain\\n\\n";
print "$_=$ENV{$_}\\n" for sort keys %ENV;
`,
  'bin/malformed.cgi': `#!/usr/bin/perl
print "This is not a header line\\n\\n";
`,
};

async function makeSite(): Promise<TempSite> {
  const site = await makeTempSite(PROGRAMS);
  for (const name of Object.keys(PROGRAMS)) await chmod(site.path(name), 0o755);
  return site;
}

/** Whether a process is still running (not gone, and not a zombie nobody has reaped yet). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

async function readPid(site: TempSite, name: string): Promise<number> {
  let text = '';
  await eventually(async () => {
    text = await readFile(site.path(`bin/${name}`), 'utf8').catch(() => '');
    return /^\d+$/.test(text);
  }, `${name} to be written`);
  return Number(text);
}

/** Kills whatever the programs noted, so a failing test leaves nothing running. */
async function killNoted(site: TempSite): Promise<void> {
  for (const name of await readdir(site.path('bin'))) {
    if (!/\.(child|self)$/.test(name)) continue;
    const pid = Number(await readFile(site.path(`bin/${name}`), 'utf8').catch(() => ''));
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
  }
}

/** An error-log entry as porta serve prints it (reportInternalError). */
function asLogged(entry: unknown): string {
  return entry instanceof Error ? (entry.stack ?? entry.message) : String(entry);
}

function assertOneLine(entry: unknown, mentions: RegExp): void {
  const text = asLogged(entry);
  assert.match(text, mentions);
  assert.ok(!text.includes('\n'), `one line, no stack: ${text}`);
}

describe('CGI programs end with their client, their exit and their deadline', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeSite();
    porta = await startPorta({ root: site.root, cgiTimeoutMs: 60_000 });
  });

  after(async () => {
    await porta.close();
    await killNoted(site);
    await site.cleanup();
  });

  for (const how of ['closes', 'resets'] as const) {
    test(`a client that ${how} the connection while the program works: the program and its child are killed, 499 logged`, T, async () => {
      const tag = `client-${how}`;
      const conn = await RawConnection.open(porta.port);
      conn.write(request('GET', `/bin/hold.cgi?${tag}`));
      const self = await readPid(site, `hold-${tag}.self`);
      const child = await readPid(site, `hold-${tag}.child`);
      assert.ok(await isRunning(self));
      const logged = porta.logLines.length;
      if (how === 'closes') conn.destroy();
      else conn.socket.resetAndDestroy();
      await eventually(async () => !(await isRunning(self)) && !(await isRunning(child)), 'the program and its child to be killed', 3000);
      const lines = await porta.waitForLog(logged + 1);
      assert.match(lines[logged]!, /"GET \/bin\/hold\.cgi\?client-\w+ HTTP\/1\.1" 499 /);
      await eventually(() => porta.internalErrors.some((e) => asLogged(e).includes(`hold.cgi: the client left`)), 'the condition to be logged');
      assertOneLine(porta.internalErrors.find((e) => asLogged(e).includes('hold.cgi: the client left')), /^CGI \/bin\/hold\.cgi: the client left/);
    });
  }

  test('clients that send a request and close at once (connect, request, close): each exchange ends as 499, no program is left', T, async () => {
    const logged = porta.logLines.length;
    const cycles = 20;
    for (let i = 0; i < cycles; i++) {
      const conn = await RawConnection.open(porta.port);
      conn.write(request('GET', `/bin/hold.cgi?cycle-${i}`));
      conn.destroy();
    }
    // Each exchange is logged only once its program is gone (or was never started).
    const lines = await porta.waitForLog(logged + cycles, 5000);
    assert.equal(lines.slice(logged).filter((line) => / 499 /.test(line)).length, cycles, lines.slice(logged).join('\n'));
    const noted = (await readdir(site.path('bin'))).filter((name) => /^hold-cycle-\d+\.(self|child)$/.test(name));
    for (const name of noted) {
      const pid = await readPid(site, name);
      await eventually(async () => !(await isRunning(pid)), `${name} to be killed`, 3000);
    }
  });

  test('a program that exits while its child holds the output: 504 after the grace period, the child killed', T, async () => {
    const started = Date.now();
    const res = await fetchOne(porta.port, request('GET', '/bin/orphan.cgi?nohead'), { timeoutMs: 8000 });
    assertErrorPage(res, 504, { close: false });
    const took = Date.now() - started;
    assert.ok(took >= 1500 && took < 6000, `answered after the 2 s grace, not at the 60 s deadline (${took} ms)`);
    const child = await readPid(site, 'orphan-nohead.child');
    await eventually(async () => !(await isRunning(child)), 'the child to be killed', 3000);
    await eventually(() => porta.internalErrors.some((e) => asLogged(e).includes('orphan.cgi: the program exited')), 'the condition to be logged');
    assertOneLine(porta.internalErrors.find((e) => asLogged(e).includes('orphan.cgi: the program exited')), /kept its output open/);
  });

  test('a program that answers and exits while its child holds the output: the answer ends after the grace period', T, async () => {
    const started = Date.now();
    const res = await fetchOne(porta.port, request('GET', '/bin/orphan.cgi?head'), { timeoutMs: 8000 });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'before exit\n');
    assert.ok(Date.now() - started < 6000, 'ended at the grace period, not at the deadline');
    const child = await readPid(site, 'orphan-head.child');
    await eventually(async () => !(await isRunning(child)), 'the child to be killed', 3000);
  });

  test('a program that closes its output and runs on: answered at once, stopped 2 s later, one log line', T, async () => {
    const res = await fetchOne(porta.port, request('GET', '/bin/after.cgi'), { timeoutMs: 3000 });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'answered\n');
    const self = await readPid(site, 'after.self');
    const answered = Date.now();
    await eventually(async () => !(await isRunning(self)), 'the program to be stopped', 5000);
    assert.ok(Date.now() - answered >= 1000, 'not before the grace period');
    const entry = porta.internalErrors.find((e) => asLogged(e).includes('after.cgi'));
    assertOneLine(entry, /^CGI \/bin\/after\.cgi: the program still ran 2 s after its output ended and was stopped$/);
  });

  test('a program past --cgi-timeout: 504, its child killed too, and one log line without a stack', T, async () => {
    await withPorta({ root: site.root, cgiTimeoutMs: 500 }, async (short) => {
      const res = await fetchOne(short.port, request('GET', '/bin/hold.cgi?timeout'), { timeoutMs: 5000 });
      assertErrorPage(res, 504, { close: false });
      const child = await readPid(site, 'hold-timeout.child');
      await eventually(async () => !(await isRunning(child)), 'the child to be killed', 3000);
      assert.equal(short.internalErrors.length, 1, short.internalErrors.map(asLogged).join('\n---\n'));
      assertOneLine(short.internalErrors[0], /^CGI \/bin\/hold\.cgi: the program ran longer than 0\.5 s and was killed$/);
    });
  });

  test('a bad header block: 500 and one log line without a stack', T, async () => {
    const before = porta.internalErrors.length;
    assertErrorPage(await fetchOne(porta.port, request('GET', '/bin/malformed.cgi')), 500, { close: false });
    await eventually(() => porta.internalErrors.length > before, 'the failure to be logged');
    assertOneLine(porta.internalErrors[before], /^CGI \/bin\/malformed\.cgi: the header line 'This is not a header line' is not a field$/);
  });

  test("a field named X_Forwarded_For is not passed: HTTP_X_FORWARDED_FOR is the real X-Forwarded-For's", T, async () => {
    const both = await fetchOne(porta.port, request('GET', '/bin/env.cgi', ['X_Forwarded_For: 6.6.6.6', 'X-Forwarded-For: 192.0.2.7']));
    assert.equal(both.status, 200);
    assert.match(both.text, /^HTTP_X_FORWARDED_FOR=192\.0\.2\.7$/m);
    assert.ok(!both.text.includes('6.6.6.6'), both.text);
    const alone = await fetchOne(porta.port, request('GET', '/bin/env.cgi', ['X_Forwarded_For: 6.6.6.6']));
    assert.ok(!alone.text.includes('HTTP_X_FORWARDED_FOR'), alone.text);
  });
});

describe('--cgi-max', () => {
  test('--cgi-max 2: a third program at once gets 503 with Retry-After; a slot frees when a client leaves', T, async () => {
    const site = await makeSite();
    const conns: RawConnection[] = [];
    try {
      await withPorta({ root: site.root, cgiTimeoutMs: 60_000, cgiMax: 2 }, async (porta) => {
        for (const tag of ['max-1', 'max-2']) {
          const conn = await RawConnection.open(porta.port);
          conns.push(conn);
          conn.write(request('GET', `/bin/hold.cgi?${tag}`));
          await readPid(site, `hold-${tag}.self`);
        }
        const third = await fetchOne(porta.port, request('GET', '/bin/env.cgi'));
        assertErrorPage(third, 503, { close: false });
        assert.equal(third.get('retry-after'), '5');
        assert.match(third.text, /as many programs as it may \(2\)/);
        conns[0]!.destroy();
        await eventually(async () => (await fetchOne(porta.port, request('GET', '/bin/env.cgi'))).status === 200, 'a slot to be free again');
      });
    } finally {
      for (const conn of conns) conn.destroy();
      await killNoted(site);
      await site.cleanup();
    }
  });

  test('porta serve --cgi-max takes a count or auto, and refuses anything else', T, async () => {
    const site = await makeSite();
    try {
      for (const bad of ['0', 'many', '-3']) {
        const result = await runPorta(['serve', site.root, '--cgi-max', bad]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, /--cgi-max/);
      }
      const help = await runPorta(['serve', '--help']);
      assert.match(help.stdout.toString(), /--cgi-max N\|auto/);
    } finally {
      await site.cleanup();
    }
  });

  test('porta serve: a timed-out program is one line on standard error', T, async () => {
    const site = await makeSite();
    const porta = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--cgi-timeout', '0.5', '--cgi-max', '4', '--access-log', 'off']);
    try {
      const [, port] = await porta.waitForStderr(/Local:\s+http:\/\/[^\s]*:(\d+)\//);
      const res = await fetchOne(Number(port), request('GET', '/bin/hold.cgi?cli'), { timeoutMs: 5000 });
      assert.equal(res.status, 504);
      const [line] = await porta.waitForStderr(/porta: error: .*\n/);
      assert.equal(line, 'porta: error: CGI /bin/hold.cgi: the program ran longer than 0.5 s and was killed\n');
      const result = await porta.stop('SIGTERM');
      assert.ok(!/^\s+at /m.test(result.stderr), result.stderr);
    } finally {
      if (porta.child.exitCode === null) porta.child.kill('SIGKILL');
      await killNoted(site);
      await site.cleanup();
    }
  });
});
