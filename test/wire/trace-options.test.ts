/**
 * TRACE and OPTIONS (docs/serve.md, content negotiation): the echoed head, switching TRACE off, Allow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { assertErrorPage, assertStandardFields, fetchOne, rawExchange, request } from '../helpers/raw-client.js';

const T = { timeout: 10_000 };

describe('TRACE and OPTIONS', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({ 'file.txt': 'hello\n', 'dir/a.txt': 'a\n' });
    porta = await startPorta({ root: site.root });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  test('TRACE echoes the request head exactly as message/http', T, async () => {
    const head = 'TRACE /file.txt?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Custom:   spaced value  \r\nuser-agent: raw-test\r\nAccept: */*\r\n\r\n';
    const res = await fetchOne(porta.port, head);
    assertStandardFields(res, 200);
    assert.equal(res.get('content-type'), 'message/http');
    assert.equal(res.body.toString('latin1'), head);
    assert.equal(res.get('content-length'), String(Buffer.byteLength(head, 'latin1')));
  });

  test('TRACE echoes bare-LF line ends and obs-text bytes as they were received', T, async () => {
    const head = Buffer.from('TRACE / HTTP/1.1\nHost: x\nX-Latin: caf\xe9\n\n', 'latin1');
    const res = await fetchOne(porta.port, head);
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(head), JSON.stringify(res.body.toString('latin1')));
  });

  test('TRACE ignores conditional and range fields', T, async () => {
    const head = request('TRACE', '/file.txt', ['If-None-Match: *', 'If-Match: "nope"', 'Range: bytes=0-1', 'If-Modified-Since: Thu, 01 Jan 2099 00:00:00 GMT']);
    const res = await fetchOne(porta.port, head);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString('latin1'), head);
  });

  test('pipelined TRACE requests each echo their own head', T, async () => {
    const first = request('TRACE', '/one', ['X-N: 1']);
    const second = request('TRACE', '/two', ['X-N: 2']);
    const { responses } = await rawExchange(porta.port, first + request('GET', '/file.txt') + second, { until: { responses: 3 } });
    assert.equal(responses[0]!.body.toString('latin1'), first);
    assert.equal(responses[1]!.text, 'hello\n');
    assert.equal(responses[2]!.body.toString('latin1'), second);
  });

  test('OPTIONS on a file: 200, Allow, Content-Length: 0, no body', T, async () => {
    const { responses, data } = await rawExchange(porta.port, request('OPTIONS', '/file.txt') + request('GET', '/file.txt'), { until: { responses: 2 } });
    const [res, next] = responses;
    assertStandardFields(res!, 200);
    assert.equal(res!.get('allow'), 'GET, HEAD, OPTIONS, TRACE');
    assert.equal(res!.get('content-length'), '0');
    assert.equal(res!.body.length, 0);
    assert.equal(next!.text, 'hello\n');
    assert.equal(data.length, res!.raw.length + next!.raw.length);
  });

  test('OPTIONS on a directory: 200 with Allow', T, async () => {
    const res = await fetchOne(porta.port, request('OPTIONS', '/dir/'));
    assert.equal(res.status, 200);
    assert.equal(res.get('allow'), 'GET, HEAD, OPTIONS, TRACE');
    assert.equal(res.get('content-length'), '0');
  });

  test('OPTIONS on something missing is 404', T, async () => {
    assertErrorPage(await fetchOne(porta.port, request('OPTIONS', '/missing')), 404);
  });

  test('OPTIONS * lists every method the server implements', T, async () => {
    const res = await fetchOne(porta.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n');
    assertStandardFields(res, 200);
    assert.equal(res.get('content-length'), '0');
    const allow = (res.get('allow') ?? '').split(/\s*,\s*/);
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) assert.ok(allow.includes(method), `${method} in ${allow.join(', ')}`);
  });
});

describe('TRACE switched off', () => {
  let site: TempSite;
  let porta: PortaServer;

  before(async () => {
    site = await makeTempSite({ 'file.txt': 'hello\n' });
    porta = await startPorta({ root: site.root, trace: false });
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  test('TRACE: 405 with an Allow that does not list TRACE, and no echo', T, async () => {
    const res = await fetchOne(porta.port, request('TRACE', '/file.txt', ['X-Secret-Cookie: yes']));
    assertErrorPage(res, 405, { close: false });
    assert.equal(res.get('allow'), 'GET, HEAD, OPTIONS');
    assert.ok(!res.text.includes('X-Secret-Cookie'));
  });

  test('OPTIONS on a file does not list TRACE', T, async () => {
    const res = await fetchOne(porta.port, request('OPTIONS', '/file.txt'));
    assert.equal(res.status, 200);
    assert.equal(res.get('allow'), 'GET, HEAD, OPTIONS');
  });

  test('OPTIONS * does not list TRACE', T, async () => {
    const res = await fetchOne(porta.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(res.status, 200);
    const allow = (res.get('allow') ?? '').split(/\s*,\s*/);
    assert.ok(!allow.includes('TRACE'), `Allow: ${allow.join(', ')}`);
  });
});
