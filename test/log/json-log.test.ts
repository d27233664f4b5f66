/**
 * `--log-format json` (docs/serve.md, the access log): the real CLI, requests with quotes,
 * backslashes, control bytes, UTF-8 and invalid UTF-8 in the target, Referer and User-Agent,
 * a junk request line, and a Basic user; every line of the log must be one JSON object that
 * JSON.parse reads back with the right fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { basicControlFile, basicField } from '../helpers/auth-client.js';
import { makeTempSite, type TempSite } from '../helpers/porta-server.js';
import { rawExchange, request } from '../helpers/raw-client.js';
import { startPorta } from '../helpers/spawn-porta.js';

const T = { timeout: 20_000 };

type Entry = Record<string, unknown>;

describe('--log-format json', () => {
  let site: TempSite;

  before(async () => {
    site = await makeTempSite({ 'file.txt': 'hello\n', 'é.txt': 'accent\n', 'private/page.txt': 'private\n', 'private/WeMustProtectThisHouse!': basicControlFile('Private', { 'zoë': 'pw' }) });
  });

  after(() => site.cleanup());

  test('one JSON object per line, with the fields log shippers expect, for any bytes', T, async () => {
    const userAgent = Buffer.from('Odd "agent" \\ back\tslash ünï\u2028 {"x":1}', 'utf8');
    const server = startPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--log-format', 'json']);
    let lines: string[];
    try {
      const [, portText] = (await server.waitForStderr(/Local: +http:\/\/[^:]+:(\d+)/, 10_000)) as unknown as [string, string];
      const port = Number(portText);
      const send = async (bytes: Buffer | string, method = 'GET'): Promise<number | undefined> =>
        (await rawExchange(port, bytes, { until: 'close', methods: [method] })).responses[0]?.status;
      // 1. Quotes, a backslash and a brace in the query; a User-Agent with quotes, a backslash,
      //    a tab, UTF-8 and a line-break lookalike (U+2028); a Referer with a `"}` break-out try.
      const first = Buffer.concat([
        Buffer.from('GET /file.txt?q=%22x%22&b=\\&c={"}" HTTP/1.1\r\nHost: t\r\nConnection: close\r\nUser-Agent: ', 'latin1'),
        userAgent,
        Buffer.from('\r\nReferer: http://r.example/"},{"status":999\r\n\r\n', 'latin1'),
      ]);
      assert.equal(await send(first), 200);
      // 2. Invalid UTF-8 (0xff, a lone 0xc3) in the User-Agent; a percent-encoded UTF-8 target.
      assert.equal(await send(Buffer.concat([Buffer.from('GET /%C3%A9.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\nUser-Agent: bad \xff \xc3 end\r\n\r\n', 'latin1')])), 200);
      // 3. A junk request line: 400, logged with the line as `request`.
      assert.equal(await send('NOT A "REQUEST\x01\r\n\r\n'), 400);
      // 4. A Basic user with a non-ASCII name, right password; and a HEAD.
      assert.equal(await send(request('GET', '/private/page.txt', [basicField('zoë', 'pw'), 'Connection: close'])), 200);
      assert.equal(await send(request('HEAD', '/file.txt', ['Connection: close']), 'HEAD'), 200);
    } finally {
      const result = await server.stop();
      assert.equal(result.code, 0, result.stderr);
      lines = result.stdout.toString('utf8').split('\n');
    }
    assert.equal(lines.pop(), '', 'the log ends with a newline');
    assert.equal(lines.length, 5, lines.join('\n'));
    const entries = lines.map((line) => JSON.parse(line) as Entry);
    const keys = ['time', 'client', 'method', 'target', 'protocol', 'status', 'bytes', 'duration_us', 'user', 'referer', 'user_agent'];
    for (const entry of entries) {
      for (const key of keys) assert.ok(key in entry, `${key} in ${JSON.stringify(entry)}`);
      assert.match(entry.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(entry.time as string) - Date.now()) < 60_000);
      assert.equal(entry.client, '127.0.0.1');
      assert.ok(Number.isInteger(entry.duration_us) && (entry.duration_us as number) >= 0 && (entry.duration_us as number) < 10_000_000, String(entry.duration_us));
    }
    const [first, second, junk, authed, head] = entries as [Entry, Entry, Entry, Entry, Entry];
    assert.deepEqual(
      { method: first.method, target: first.target, protocol: first.protocol, status: first.status, bytes: first.bytes, user: first.user },
      { method: 'GET', target: '/file.txt?q=%22x%22&b=\\&c={"}"', protocol: 'HTTP/1.1', status: 200, bytes: 6, user: null },
    );
    assert.equal(first.user_agent, userAgent.toString('utf8'));
    assert.equal(first.referer, 'http://r.example/"},{"status":999');
    assert.ok((first.duration_us as number) > 0);
    assert.equal(second.target, '/%C3%A9.txt');
    assert.equal(second.user_agent, 'bad \\xff \\xc3 end', 'invalid UTF-8: each byte above 0x7F as \\xHH');
    assert.equal(second.referer, null);
    assert.deepEqual(
      { method: junk.method, target: junk.target, protocol: junk.protocol, status: junk.status, request: junk.request },
      { method: null, target: null, protocol: null, status: 400, request: 'NOT A "REQUEST\x01' },
    );
    assert.equal(authed.user, 'zoë');
    assert.equal(authed.target, '/private/page.txt');
    assert.deepEqual({ method: head.method, status: head.status, bytes: head.bytes }, { method: 'HEAD', status: 200, bytes: 0 });
  });
});
