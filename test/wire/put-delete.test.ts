/**
 * PUT and DELETE (docs/protocol.md): permission from ALLOW-PUT / ALLOW-DELETE after
 * authentication, atomic uploads (old content intact and no temporary file after an abort,
 * an oversized body or a server stop), the file cache seeing changes at once, and pipelining.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { basicControlFile, basicField } from '../helpers/auth-client.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { eventually } from '../helpers/eventually.js';
import { startPorta as spawnPorta } from '../helpers/spawn-porta.js';
import { assertErrorPage, fetchOne, rawExchange, RawConnection, request, type ParsedResponse } from '../helpers/raw-client.js';

const T = { timeout: 15_000 };
const CONTROL = 'WeMustProtectThisHouse!';
const ALICE = basicField('alice', 'wonderland');
const MAX_BODY = 64 * 1024;


describe('PUT and DELETE', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({
      'open/file.txt': 'open\n',
      'up/existing.txt': 'old content\n',
      'up/keep.txt': 'keep me\n',
      'up/sub/inner.txt': 'inner\n',
      [`up/${CONTROL}`]: basicControlFile('Uploads', { alice: 'wonderland' }, ['ALLOW-PUT', 'ALLOW-DELETE']),
      'putonly/a.txt': 'a\n',
      [`putonly/${CONTROL}`]: basicControlFile('Put only', { alice: 'wonderland' }, ['ALLOW-PUT']),
      'readonly/r.txt': 'r\n',
      [`readonly/${CONTROL}`]: basicControlFile('Read only', { alice: 'wonderland' }),
    });
    porta = await startPorta({ root: site.root, limits: { maxBodyBytes: MAX_BODY } });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  const send = (method: string, path: string, fields: readonly string[] = [], body = ''): Promise<ParsedResponse> =>
    fetchOne(porta.port, request(method, path, body !== '' || method === 'PUT' ? [...fields, `Content-Length: ${Buffer.byteLength(body)}`] : fields) + body);
  const temporaries = async (dir: string): Promise<string[]> => (await readdir(site.path(dir))).filter((name) => name.startsWith('.porta-upload-'));

  test('without a control file granting them, PUT and DELETE are 405 with the Allow that applies', T, async () => {
    for (const [method, path] of [['PUT', '/open/file.txt'], ['DELETE', '/open/file.txt'], ['DELETE', '/open/missing.txt']] as const) {
      const res = await send(method, path, [], method === 'PUT' ? 'x' : '');
      assertErrorPage(res, 405);
      assert.equal(res.get('allow'), 'GET, HEAD, OPTIONS, TRACE');
    }
    assert.equal(await readFile(site.path('open/file.txt'), 'utf8'), 'open\n');
  });

  test('each combination of authentication and permission', T, async () => {
    const cases: Array<[string, string, string[], number, string?]> = [
      ['PUT', '/up/new-a.txt', [], 401],
      ['DELETE', '/up/keep.txt', [], 401],
      ['PUT', '/up/new-a.txt', [basicField('alice', 'bad')], 401],
      ['PUT', '/readonly/r.txt', [ALICE], 405, 'GET, HEAD, OPTIONS, TRACE'],
      ['DELETE', '/readonly/r.txt', [ALICE], 405, 'GET, HEAD, OPTIONS, TRACE'],
      ['DELETE', '/readonly/missing.txt', [ALICE], 405, 'GET, HEAD, OPTIONS, TRACE'],
      ['DELETE', '/putonly/a.txt', [ALICE], 405, 'GET, HEAD, PUT, OPTIONS, TRACE'],
      ['DELETE', '/up/missing.txt', [ALICE], 404],
      ['DELETE', '/up/sub/', [ALICE], 405, 'GET, HEAD, PUT, OPTIONS, TRACE'],
    ];
    for (const [method, path, fields, status, allow] of cases) {
      const res = await send(method, path, fields, method === 'PUT' ? 'body' : '');
      assertErrorPage(res, status);
      if (allow !== undefined) assert.equal(res.get('allow'), allow, `${method} ${path}`);
    }
    assert.deepEqual((await readdir(site.path('up'))).filter((n) => n.startsWith('new-a')), []);
    assert.equal(await readFile(site.path('readonly/r.txt'), 'utf8'), 'r\n');
    assert.equal(await readFile(site.path('putonly/a.txt'), 'utf8'), 'a\n');
    const put = await send('PUT', '/putonly/b.txt', [ALICE], 'b\n');
    assert.equal(put.status, 201);
  });

  test('OPTIONS says exactly what is permitted', T, async () => {
    const allow = async (path: string, fields: string[] = [ALICE]): Promise<string | undefined> => (await send('OPTIONS', path, fields)).get('allow');
    assert.equal(await allow('/up/keep.txt'), 'GET, HEAD, PUT, DELETE, OPTIONS, TRACE');
    assert.equal(await allow('/up/sub/'), 'GET, HEAD, PUT, OPTIONS, TRACE');
    assert.equal(await allow('/putonly/a.txt'), 'GET, HEAD, PUT, OPTIONS, TRACE');
    assert.equal(await allow('/readonly/r.txt'), 'GET, HEAD, OPTIONS, TRACE');
    assert.equal(await allow('/open/file.txt', []), 'GET, HEAD, OPTIONS, TRACE');
  });

  test('PUT of a new file: 201 with Location and a page; GET sees it at once', T, async () => {
    assert.equal((await send('GET', '/up/fresh.txt', [ALICE])).status, 404);
    const res = await send('PUT', '/up/fresh.txt', [ALICE], 'fresh content\n');
    assertErrorPage(res, 201);
    assert.equal(res.get('location'), '/up/fresh.txt');
    assert.match(res.text, /Created \/up\/fresh\.txt \(14 bytes\)/);
    const get = await send('GET', '/up/fresh.txt', [ALICE]);
    assert.equal(get.status, 200);
    assert.equal(get.text, 'fresh content\n');
    assert.ok((await send('GET', '/up/', [ALICE])).text.includes('fresh.txt'), 'the listing shows it');
  });

  test('PUT replacing a file: 200; GET and its ETag change at once', T, async () => {
    const before = await send('GET', '/up/existing.txt', [ALICE]);
    assert.equal(before.text, 'old content\n');
    const res = await send('PUT', '/up/existing.txt', [ALICE], 'new content, longer than before\n');
    assertErrorPage(res, 200);
    assert.match(res.text, /Replaced \/up\/existing\.txt/);
    const after = await send('GET', '/up/existing.txt', [ALICE]);
    assert.equal(after.text, 'new content, longer than before\n');
    assert.notEqual(after.get('etag'), before.get('etag'));
    assert.deepEqual(await temporaries('up'), []);
  });

  test('chunked PUT, and a larger binary body streamed to disk', T, async () => {
    const chunked = request('PUT', '/up/chunked.txt', [ALICE, 'Transfer-Encoding: chunked']) + '5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n';
    assert.equal((await fetchOne(porta.port, chunked)).status, 201);
    assert.equal(await readFile(site.path('up/chunked.txt'), 'utf8'), 'hello, world');
    const data = randomBytes(MAX_BODY);
    const res = await fetchOne(porta.port, Buffer.concat([Buffer.from(request('PUT', '/up/binary.bin', [ALICE, `Content-Length: ${data.length}`])), data]));
    assert.equal(res.status, 201);
    assert.ok((await readFile(site.path('up/binary.bin'))).equals(data));
  });

  test('PUT onto a directory is 409; into a missing directory 404 naming it; 411 without a length', T, async () => {
    const dir = await send('PUT', '/up/sub', [ALICE], 'x');
    assertErrorPage(dir, 409);
    assert.match(dir.text, /\/up\/sub is a directory/);
    assertErrorPage(await send('PUT', '/up/sub/', [ALICE], 'x'), 409);
    const missing = await send('PUT', '/up/nowhere/deeper/f.txt', [ALICE], 'x');
    assertErrorPage(missing, 404);
    assert.match(missing.text, /The directory \/up\/nowhere\/deeper\/ does not exist/);
    const through = await send('PUT', '/up/keep.txt/f.txt', [ALICE], 'x');
    assert.ok(through.status === 409 || through.status === 404, `${through.status}`);
    assertErrorPage(await fetchOne(porta.port, request('PUT', '/up/nolength.txt', [ALICE])), 411);
    // 411 only where the body would be used: not where PUT is refused anyway.
    assertErrorPage(await fetchOne(porta.port, request('PUT', '/readonly/r.txt', [ALICE])), 405);
    assertErrorPage(await fetchOne(porta.port, request('PUT', '/readonly/r.txt')), 401);
    assert.equal(await readFile(site.path('up/keep.txt'), 'utf8'), 'keep me\n');
  });

  test('a partial PUT (Content-Range) is 400 and leaves the file whole (RFC 9110 section 14.5)', T, async () => {
    const partial = await send('PUT', '/up/keep.txt', [ALICE, 'Content-Range: bytes 0-3/8'], 'KEEP');
    assertErrorPage(partial, 400);
    assert.match(partial.text, /Content-Range/);
    assert.equal(await readFile(site.path('up/keep.txt'), 'utf8'), 'keep me\n');
  });

  test('a name longer than the file system allows is 403, not a server error', T, async () => {
    const long = await send('PUT', `/up/${'n'.repeat(300)}.txt`, [ALICE], 'x');
    assertErrorPage(long, 403);
    assert.match(long.text, /longer than the file system allows/);
    const names = await readdir(site.path('up'));
    assert.ok(!names.some((name) => name.startsWith('.porta-upload-')), names.join(' '));
  });

  test('the control file cannot be written or deleted over HTTP, under any spelling', T, async () => {
    const before = await readFile(site.path(`up/${CONTROL}`), 'utf8');
    for (const path of [`/up/${CONTROL}`, '/up/WeMustProtectThisHouse%21', `/up/sub/../${CONTROL}`]) {
      assertErrorPage(await send('PUT', path, [ALICE], 'authorization-type=Basic\n'), 404);
      assertErrorPage(await send('DELETE', path, [ALICE]), 404);
    }
    assertErrorPage(await send('PUT', '/up/.porta-upload-abc', [ALICE], 'x'), 404);
    assert.equal(await readFile(site.path(`up/${CONTROL}`), 'utf8'), before);
  });

  test('DELETE: 200 with a page, then 404; GET sees it gone at once', T, async () => {
    assert.equal((await send('GET', '/up/keep.txt', [ALICE])).status, 200);
    const res = await send('DELETE', '/up/keep.txt', [ALICE]);
    assertErrorPage(res, 200);
    assert.match(res.text, /Deleted \/up\/keep\.txt/);
    assert.equal((await send('GET', '/up/keep.txt', [ALICE])).status, 404);
    assert.equal((await send('DELETE', '/up/keep.txt', [ALICE])).status, 404);
  });

  test('an oversized body is 413; the old content stays and no temporary file is left', T, async () => {
    await site.add({ 'up/big-target.txt': 'original\n' });
    const tooLong = await send('PUT', '/up/big-target.txt', [ALICE], 'y'.repeat(MAX_BODY + 1));
    assertErrorPage(tooLong, 413);
    // Chunked: the limit is only found while streaming.
    const chunk = 'z'.repeat(16 * 1024);
    const chunks = Array.from({ length: 6 }, () => `${(chunk.length).toString(16)}\r\n${chunk}\r\n`).join('');
    const { responses } = await rawExchange(porta.port, request('PUT', '/up/big-target.txt', [ALICE, 'Transfer-Encoding: chunked']) + chunks + '0\r\n\r\n', {
      until: { responses: 1 },
      methods: ['PUT'],
    });
    assertErrorPage(responses[0] as ParsedResponse, 413);
    assert.equal(await readFile(site.path('up/big-target.txt'), 'utf8'), 'original\n');
    await eventually(async () => (await temporaries('up')).length === 0, 'no temporary files');
  });

  test('a client that disconnects mid-body leaves the old content and no temporary file', T, async () => {
    await site.add({ 'up/abort.txt': 'before abort\n' });
    const connection = await RawConnection.open(porta.port);
    connection.write(request('PUT', '/up/abort.txt', [ALICE, 'Content-Length: 10000']) + 'a'.repeat(4000));
    await eventually(async () => (await temporaries('up')).length === 1, 'the upload to start');
    connection.destroy();
    await eventually(async () => (await temporaries('up')).length === 0, 'the temporary file to go');
    assert.equal(await readFile(site.path('up/abort.txt'), 'utf8'), 'before abort\n');
    assert.equal((await send('GET', '/up/abort.txt', [ALICE])).text, 'before abort\n');
  });

  test('PUT and DELETE act on the name in the URL: a symbolic link is replaced or removed, its file kept', T, async () => {
    await site.add({ 'up/real.txt': 'real\n', 'up/link.txt': { symlink: 'real.txt' }, 'up/link2.txt': { symlink: 'real.txt' } });
    assert.equal((await send('GET', '/up/link.txt', [ALICE])).text, 'real\n');
    assertErrorPage(await send('DELETE', '/up/link.txt', [ALICE]), 200);
    assert.equal(await readFile(site.path('up/real.txt'), 'utf8'), 'real\n');
    assert.equal((await send('GET', '/up/link.txt', [ALICE])).status, 404);
    assertErrorPage(await send('PUT', '/up/link2.txt', [ALICE], 'replaced link\n'), 200);
    assert.equal(await readFile(site.path('up/real.txt'), 'utf8'), 'real\n');
    assert.equal((await send('GET', '/up/link2.txt', [ALICE])).text, 'replaced link\n');
  });

  test('pipelined PUT, GET, DELETE, GET on one connection', T, async () => {
    const body = 'pipelined\n';
    const reqs = [
      request('PUT', '/up/pipe.txt', [ALICE, `Content-Length: ${body.length}`]) + body,
      request('GET', '/up/pipe.txt', [ALICE]),
      request('DELETE', '/up/pipe.txt', [ALICE]),
      request('GET', '/up/pipe.txt', [ALICE]),
    ];
    const { responses } = await rawExchange(porta.port, reqs.join(''), { until: { responses: 4 }, methods: ['PUT', 'GET', 'DELETE', 'GET'] });
    assert.deepEqual(responses.map((r) => r.status), [201, 200, 200, 404]);
    assert.equal(responses[1]?.text, body);
  });
});

describe('PUT when the server stops mid-upload', () => {
  test('the old content stays and no temporary file is left', T, async () => {
    const site = await makeTempSite({
      'up/target.txt': 'kept\n',
      [`up/${CONTROL}`]: basicControlFile('Uploads', { alice: 'wonderland' }, ['ALLOW-PUT']),
    });
    const porta: PortaServer = await startPorta({ root: site.root });
    const connection = await RawConnection.open(porta.port);
    try {
      connection.write(request('PUT', '/up/target.txt', [ALICE, 'Content-Length: 100000']) + 'b'.repeat(5000));
      const temps = async (): Promise<string[]> => (await readdir(site.path('up'))).filter((n) => n.startsWith('.porta-upload-'));
      await eventually(async () => (await temps()).length === 1, 'the upload to start');
      await porta.close();
      await eventually(async () => (await temps()).length === 0, 'the temporary file to go');
      assert.equal(await readFile(site.path('up/target.txt'), 'utf8'), 'kept\n');
    } finally {
      connection.destroy();
      await porta.close();
      await site.cleanup();
    }
  });
});

describe('PUT from clients that reset the connection right after the head', () => {
  // Each client sends an authorised PUT head and resets the connection within a few
  // milliseconds: the body fails while the handler is still opening its temporary file.
  // Before the fix this raised an unhandled 'error' event and ended the process (after about
  // a hundred such uploads), leaving a temporary file behind.
  test('the process survives, serves on, and leaves no temporary file', { timeout: 90_000 }, async () => {
    const site = await makeTempSite({
      'up/keep.txt': 'keep\n',
      [`up/${CONTROL}`]: basicControlFile('Uploads', { alice: 'wonderland' }, ['ALLOW-PUT']),
    });
    const porta = spawnPorta(['serve', site.root, '--host', '127.0.0.1', '--port', '0', '--access-log', 'off'], { timeoutMs: 85_000 });
    try {
      const port = Number((await porta.waitForStderr(/Local:\s+http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
      const resetOne = (n: number): Promise<void> =>
        new Promise((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(request('PUT', `/up/reset-${n}.txt`, [ALICE, 'Content-Length: 100000']) + 'x'.repeat(n % 7));
            setTimeout(() => socket.resetAndDestroy(), n % 3);
          });
          socket.on('error', () => {});
          socket.on('close', () => resolve());
        });
      let alive = true;
      void porta.exited.then(() => (alive = false));
      for (let batch = 0; batch < 250 && alive; batch++) {
        await Promise.all(Array.from({ length: 8 }, (_, i) => resetOne(batch * 8 + i)));
      }
      assert.ok(alive, `porta exited during the resets:\n${porta.stderr()}`);
      // Generous: on a busy machine porta may still be cleaning up after the resets.
      const response = await fetchOne(port, request('GET', '/up/keep.txt', [ALICE]), { timeoutMs: 30_000 });
      assert.equal(response.status, 200);
      assert.equal(response.text, 'keep\n');
      const left = async (): Promise<string[]> => (await readdir(site.path('up'))).filter((n) => n.startsWith('.porta-upload-') || n.startsWith('reset-'));
      await eventually(async () => (await left()).length === 0, 'the temporary files to go', 30_000);
      assert.doesNotMatch(porta.stderr(), /\n\s+at /, 'no stack trace is printed');
    } finally {
      await porta.stop();
      await site.cleanup();
    }
  });
});
