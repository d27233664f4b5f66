/**
 * Validators, conditional requests and ranges on the wire (docs/serve.md, content negotiation, RFC 9110
 * sections 8.8, 13 and 14).
 */
import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';
import { assertErrorPage, assertStandardFields, fetchOne, rawExchange, request, type ParsedResponse } from '../helpers/raw-client.js';
import { eventually } from '../helpers/eventually.js';

const T = { timeout: 10_000 };
const DATA = '0123456789abcdefghij'; // 20 bytes
const MTIME = new Date('2020-01-02T03:04:05Z');
const LAST_MODIFIED = 'Thu, 02 Jan 2020 03:04:05 GMT';
const BIG = Buffer.from(Array.from({ length: 1000 }, (_, i) => 0x41 + (i % 26)));

interface Part {
  readonly fields: Map<string, string>;
  readonly body: Buffer;
}

/** Splits a multipart/byteranges body (RFC 9110 14.6, RFC 2046 5.1.1). */
function parseMultipart(body: Buffer, boundary: string): Part[] {
  const text = body.toString('latin1');
  const delimiter = `\r\n--${boundary}`;
  assert.ok(text.startsWith(delimiter) || text.startsWith(`--${boundary}`), 'body opens with the boundary');
  const close = `${delimiter}--`;
  const end = text.indexOf(close);
  assert.ok(end >= 0, 'closing delimiter present');
  assert.match(text.slice(end + close.length), /^(\r\n)?$/, 'nothing after the closing delimiter');
  const inner = text.startsWith(delimiter) ? text.slice(delimiter.length, end) : text.slice(boundary.length + 2, end);
  return inner.split(delimiter).map((chunk) => {
    assert.ok(chunk.startsWith('\r\n'), 'boundary line ends with CRLF');
    const headEnd = chunk.indexOf('\r\n\r\n');
    const fields = new Map<string, string>();
    for (const line of chunk.slice(2, headEnd).split('\r\n')) {
      const colon = line.indexOf(':');
      fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    return { fields, body: Buffer.from(chunk.slice(headEnd + 4), 'latin1') };
  });
}

describe('conditional requests and ranges', () => {
  let site: TempSite;
  let porta: PortaServer;
  let etag: string;

  before(async () => {
    site = await makeTempSite({
      'data.txt': { content: DATA, mtime: MTIME },
      'big.bin': BIG,
      'mutable.txt': { content: 'version one\n', mtime: MTIME },
      'samesize.txt': { content: 'AAAA', mtime: MTIME },
    });
    porta = await startPorta({ root: site.root });
    etag = (await fetchOne(porta.port, request('HEAD', '/data.txt'))).get('etag') ?? '';
  });

  after(async () => {
    await porta.close();
    await site.cleanup();
  });

  const get = (target: string, fields: readonly string[] = [], method = 'GET'): Promise<ParsedResponse> =>
    fetchOne(porta.port, request(method, target, fields), { method });

  describe('validators', () => {
    test('a strong, quoted ETag without spaces, and Last-Modified from the file time', T, async () => {
      const res = await get('/data.txt');
      assert.equal(res.status, 200);
      assert.match(res.get('etag') ?? '', /^"[\x21\x23-\x7e]+"$/);
      assert.equal(res.get('last-modified'), LAST_MODIFIED);
    });

    test('the ETag is stable across requests and methods while the file is unchanged', T, async () => {
      const tags = [await get('/data.txt'), await get('/data.txt'), await get('/data.txt', [], 'HEAD'), await get('/data.txt', ['Range: bytes=0-1'])].map((r) => r.get('etag'));
      assert.deepEqual(tags, [etag, etag, etag, etag]);
    });

    /**
     * Asks for `path` until its body differs from `before`'s (2.5 s at most); every old answer
     * must still carry the old ETag, never a mix. The last answer, and how long after `since`
     * the old content was still served.
     */
    async function untilChanged(path: string, before: ParsedResponse, since: number): Promise<{ after: ParsedResponse; staleMs: number }> {
      let after = await get(path);
      await eventually(async () => {
        if (after.text !== before.text) return true;
        assert.equal(after.get('etag'), before.get('etag'));
        after = await get(path);
        return false;
      }, `new content at ${path}`, 2500).catch(() => undefined);
      return { after, staleMs: Date.now() - since };
    }

    test('the ETag and Last-Modified change after the file is modified (within the 1 s cache window), body and tag together', T, async () => {
      const before = await get('/mutable.txt');
      await writeFile(site.path('mutable.txt'), 'version two, longer\n');
      await utimes(site.path('mutable.txt'), new Date('2021-05-06T07:08:09Z'), new Date('2021-05-06T07:08:09Z'));
      const { after, staleMs } = await untilChanged('/mutable.txt', before, Date.now());
      assert.equal(after.text, 'version two, longer\n', `still the old content ${staleMs} ms after the change`);
      assert.ok(staleMs < 1500, `old content served for ${staleMs} ms after the change`);
      assert.notEqual(after.get('etag'), before.get('etag'));
      assert.notEqual(after.get('last-modified'), before.get('last-modified'));
      assert.equal(after.get('last-modified'), 'Thu, 06 May 2021 07:08:09 GMT');
      // The old tag no longer produces a 304.
      const conditional = await get('/mutable.txt', [`If-None-Match: ${before.get('etag')}`]);
      assert.equal(conditional.status, 200);
    });

    // porta trusts cached metadata for up to one second (README: "served stale for at most one
    // second"), so the change must show once that window has passed, body and ETag together.
    test('a modified file is served with its new content and ETag once the 1 s cache window has passed', T, async () => {
      const before = await get('/samesize.txt');
      assert.equal(before.text, 'AAAA');
      // Same size, new content and time.
      await writeFile(site.path('samesize.txt'), 'BBBB');
      await utimes(site.path('samesize.txt'), new Date('2022-01-01T00:00:00Z'), new Date('2022-01-01T00:00:00Z'));
      const { after, staleMs } = await untilChanged('/samesize.txt', before, Date.now());
      assert.equal(after.text, 'BBBB', `stale body still served ${staleMs} ms after the file changed`);
      assert.ok(staleMs < 1500, `old content served for ${staleMs} ms after the change`);
      assert.notEqual(after.get('etag'), before.get('etag'));
    });
  });

  describe('If-None-Match and If-Modified-Since', () => {
    test('If-None-Match with the current ETag: 304 with ETag, Last-Modified, Date and no body', T, async () => {
      const res = await get('/data.txt', [`If-None-Match: ${etag}`]);
      assertStandardFields(res, 304);
      assert.equal(res.get('etag'), etag);
      assert.equal(res.get('last-modified'), LAST_MODIFIED);
      assert.equal(res.body.length, 0);
      assert.equal(res.raw.length, Buffer.byteLength(res.head, 'latin1'));
    });

    test('If-None-Match: a list containing the tag, *, and the weak form all give 304', T, async () => {
      for (const value of [`"nope", ${etag}`, '*', `W/${etag}`]) {
        assert.equal((await get('/data.txt', [`If-None-Match: ${value}`])).status, 304, value);
      }
    });

    test('If-None-Match that does not match: 200 with the body', T, async () => {
      const res = await get('/data.txt', ['If-None-Match: "something-else"']);
      assert.equal(res.status, 200);
      assert.equal(res.text, DATA);
    });

    test('HEAD with a matching If-None-Match is 304 too', T, async () => {
      assert.equal((await get('/data.txt', [`If-None-Match: ${etag}`], 'HEAD')).status, 304);
    });

    test('If-Modified-Since equal to or after Last-Modified: 304; before: 200', T, async () => {
      assert.equal((await get('/data.txt', [`If-Modified-Since: ${LAST_MODIFIED}`])).status, 304);
      assert.equal((await get('/data.txt', ['If-Modified-Since: Fri, 03 Jan 2020 00:00:00 GMT'])).status, 304);
      assert.equal((await get('/data.txt', ['If-Modified-Since: Wed, 01 Jan 2020 00:00:00 GMT'])).status, 200);
    });

    test('If-Modified-Since in the obsolete date forms is understood', T, async () => {
      assert.equal((await get('/data.txt', ['If-Modified-Since: Thursday, 02-Jan-20 03:04:05 GMT'])).status, 304);
      assert.equal((await get('/data.txt', ['If-Modified-Since: Thu Jan  2 03:04:05 2020'])).status, 304);
    });

    test('a date that is not an HTTP-date is ignored', T, async () => {
      for (const value of ['yesterday', '2020-01-02T03:04:05Z', 'Thu, 02 Jan 2020 03:04:05 UTC', '']) {
        const res = await get('/data.txt', [`If-Modified-Since: ${value}`]);
        assert.equal(res.status, 200, value);
        assert.equal(res.text, DATA);
      }
    });

    test('conditionals do not apply to a missing resource: 404, not 304/412', T, async () => {
      assert.equal((await get('/missing.txt', ['If-None-Match: *'])).status, 404);
      assert.equal((await get('/missing.txt', [`If-Modified-Since: ${LAST_MODIFIED}`])).status, 404);
    });

    test('If-None-Match wins over If-Modified-Since', T, async () => {
      const res = await get('/data.txt', ['If-None-Match: "other"', `If-Modified-Since: ${LAST_MODIFIED}`]);
      assert.equal(res.status, 200);
    });
  });

  describe('If-Match and If-Unmodified-Since', () => {
    test('If-Match that does not match: 412 with an HTML page', T, async () => {
      assertErrorPage(await get('/data.txt', ['If-Match: "not-the-tag"']), 412);
    });

    test('If-Match with the current tag or *: 200', T, async () => {
      assert.equal((await get('/data.txt', [`If-Match: ${etag}`])).status, 200);
      assert.equal((await get('/data.txt', ['If-Match: *'])).status, 200);
      assert.equal((await get('/data.txt', [`If-Match: "a", ${etag}`])).status, 200);
    });

    test('If-Match uses strong comparison: a weak tag does not match', T, async () => {
      assert.equal((await get('/data.txt', [`If-Match: W/${etag}`])).status, 412);
    });

    test('If-Unmodified-Since before Last-Modified: 412; at or after: 200; malformed: ignored', T, async () => {
      assert.equal((await get('/data.txt', ['If-Unmodified-Since: Wed, 01 Jan 2020 00:00:00 GMT'])).status, 412);
      assert.equal((await get('/data.txt', [`If-Unmodified-Since: ${LAST_MODIFIED}`])).status, 200);
      assert.equal((await get('/data.txt', ['If-Unmodified-Since: not a date'])).status, 200);
    });

    test('If-Match is evaluated before If-None-Match', T, async () => {
      assert.equal((await get('/data.txt', ['If-Match: "x"', `If-None-Match: ${etag}`])).status, 412);
    });
  });

  describe('ranges', () => {
    const ranges: ReadonlyArray<readonly [string, string, string]> = [
      ['bytes=0-4', 'bytes 0-4/20', '01234'],
      ['bytes=5-', 'bytes 5-19/20', '56789abcdefghij'],
      ['bytes=-3', 'bytes 17-19/20', 'hij'],
      ['bytes=-100', 'bytes 0-19/20', DATA],
      ['bytes=15-100', 'bytes 15-19/20', 'fghij'],
      ['bytes=19-19', 'bytes 19-19/20', 'j'],
      ['BYTES=0-0', 'bytes 0-0/20', '0'],
      ['bytes= 2-3 ', 'bytes 2-3/20', '23'],
      ['bytes=0-5,3-8', 'bytes 0-8/20', '012345678'],
      ['bytes=0-0,1-1,2-2', 'bytes 0-2/20', '012'],
      ['bytes=30-40,2-3', 'bytes 2-3/20', '23'],
    ];
    for (const [range, contentRange, body] of ranges) {
      test(`Range: ${range} -> 206 ${contentRange}`, T, async () => {
        const res = await get('/data.txt', [`Range: ${range}`]);
        assertStandardFields(res, 206);
        assert.equal(res.get('content-range'), contentRange);
        assert.equal(res.get('content-length'), String(Buffer.byteLength(body)));
        assert.equal(res.get('content-type'), 'text/plain; charset=utf-8');
        assert.equal(res.get('etag'), etag);
        assert.equal(res.text, body);
      });
    }

    test('several ranges: 206 multipart/byteranges with a correct part for each', T, async () => {
      const res = await get('/data.txt', ['Range: bytes=0-1,5-6,-2']);
      assertStandardFields(res, 206);
      assert.equal(res.has('content-range'), false, 'no Content-Range on the whole multipart response');
      const type = res.get('content-type') ?? '';
      const match = /^multipart\/byteranges; ?boundary="?([^";]+)"?$/.exec(type);
      assert.ok(match, type);
      assert.equal(res.get('content-length'), String(res.body.length));
      const parts = parseMultipart(res.body, match[1] as string);
      assert.deepEqual(
        parts.map((p) => [p.fields.get('content-type'), p.fields.get('content-range'), p.body.toString('latin1')]),
        [
          ['text/plain; charset=utf-8', 'bytes 0-1/20', '01'],
          ['text/plain; charset=utf-8', 'bytes 5-6/20', '56'],
          ['text/plain; charset=utf-8', 'bytes 18-19/20', 'ij'],
        ],
      );
    });

    test('HEAD with several ranges: same fields, no body', T, async () => {
      const res = await get('/data.txt', ['Range: bytes=0-1,5-6'], 'HEAD');
      assert.equal(res.status, 206);
      assert.match(res.get('content-type') ?? '', /^multipart\/byteranges/);
      assert.equal(res.body.length, 0);
    });

    test('many ranges are never amplified', T, async () => {
      const many = Array.from({ length: 200 }, (_, i) => `${i * 2}-${i * 2}`).join(',');
      const res = await get('/big.bin', [`Range: bytes=${many}`]);
      assert.ok(res.status === 200 || res.body.length <= BIG.length, `status ${res.status}, ${res.body.length} bytes for a ${BIG.length}-byte file`);
      const repeated = Array.from({ length: 500 }, () => '0-999').join(',');
      const res2 = await get('/big.bin', [`Range: bytes=${repeated}`]);
      assert.ok(res2.body.length <= BIG.length, `${res2.body.length} bytes`);
    });

    test('unsatisfiable range: 416 with Content-Range: bytes */20', T, async () => {
      for (const range of ['bytes=20-30', 'bytes=100-', 'bytes=-0', 'bytes=20-20,30-40']) {
        const res = await get('/data.txt', [`Range: ${range}`]);
        assertErrorPage(res, 416);
        assert.equal(res.get('content-range'), 'bytes */20', range);
      }
    });

    test('unsatisfiable range on HEAD: 416 with Content-Range and no body', T, async () => {
      const { responses, data } = await rawExchange(porta.port, request('HEAD', '/data.txt', ['Range: bytes=50-60']) + request('GET', '/data.txt'), {
        until: { responses: 2 },
        methods: ['HEAD', 'GET'],
      });
      const [res, next] = responses;
      assertErrorPage(res!, 416, { head: true });
      assert.equal(res!.get('content-range'), 'bytes */20');
      assert.equal(res!.raw.length, Buffer.byteLength(res!.head, 'latin1'));
      assert.equal(next!.text, DATA);
      assert.equal(data.length, res!.raw.length + next!.raw.length);
    });

    test('a Range that is not valid is ignored: 200 with everything', T, async () => {
      for (const range of ['bytes=abc', 'items=0-1', 'bytes=5-1', 'bytes 0-1', 'bytes=', 'bytes=--1', 'bytes=1-2-3']) {
        const res = await get('/data.txt', [`Range: ${range}`]);
        assert.equal(res.status, 200, range);
        assert.equal(res.text, DATA, range);
      }
    });

    test('If-Range with the current ETag: 206; with another ETag: 200 with everything', T, async () => {
      const match = await get('/data.txt', ['Range: bytes=0-1', `If-Range: ${etag}`]);
      assert.equal(match.status, 206);
      assert.equal(match.text, '01');
      const mismatch = await get('/data.txt', ['Range: bytes=0-1', 'If-Range: "other"']);
      assert.equal(mismatch.status, 200);
      assert.equal(mismatch.text, DATA);
      const weak = await get('/data.txt', ['Range: bytes=0-1', `If-Range: W/${etag}`]);
      assert.equal(weak.status, 200);
    });

    test('If-Range with the Last-Modified date: 206; with another date: 200', T, async () => {
      assert.equal((await get('/data.txt', ['Range: bytes=0-1', `If-Range: ${LAST_MODIFIED}`])).status, 206);
      const other = await get('/data.txt', ['Range: bytes=0-1', 'If-Range: Wed, 01 Jan 2020 00:00:00 GMT']);
      assert.equal(other.status, 200);
      assert.equal(other.text, DATA);
    });

    test('preconditions come before ranges: matching If-None-Match with a Range is 304', T, async () => {
      assert.equal((await get('/data.txt', [`If-None-Match: ${etag}`, 'Range: bytes=0-1'])).status, 304);
      assert.equal((await get('/data.txt', ['If-Match: "x"', 'Range: bytes=0-1'])).status, 412);
    });
  });
});
