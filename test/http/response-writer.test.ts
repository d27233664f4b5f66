/**
 * Unit tests of writeResponse (src/http/response-writer.ts) on a test Writable: the framing
 * for each kind of body and each client version, HEAD and bodiless statuses, the fields the
 * writer owns, streamed bodies with backpressure, and bodies that end early or run long.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Duplex, PassThrough, Readable } from 'node:stream';
import type { HttpResponse } from '../../src/http/response.js';
import { currentDateSecond } from '../../src/http/date-cache.js';
import { keptResponseBytes, writeResponse, type ResponseContext, type WriteOutcome } from '../../src/http/response-writer.js';
import { NodeStreamTransport } from '../../src/transport/node-stream-transport.js';
import { splitResponses } from '../helpers/raw-client.js';

/**
 * A stand-in socket that records what it is given; `capacity` bytes fit before write()
 * returns false. Its reading side never delivers anything.
 */
class Sink extends Duplex {
  readonly chunks: Buffer[] = [];
  private paused = false;
  private held: Array<() => void> = [];

  readonly transport = new NodeStreamTransport(this);

  constructor(capacity = 16 * 1024) {
    super({ writableHighWaterMark: capacity });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    if (this.paused) this.held.push(callback);
    else callback();
  }

  stall(): void {
    this.paused = true;
  }

  flow(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const callback of held) callback();
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const context = (more: Partial<ResponseContext> = {}): ResponseContext => ({
  method: 'GET',
  version: 'HTTP/1.1',
  keepAlive: true,
  serverField: 'porta/test',
  ...more,
});

async function write(response: HttpResponse, ctx: ResponseContext = context(), sink = new Sink()): Promise<{ outcome: WriteOutcome; sink: Sink }> {
  const outcome = await writeResponse(sink.transport, response, ctx);
  return { outcome, sink };
}

const bytes = (data: string): HttpResponse => ({ status: 200, headers: [], body: { kind: 'bytes', data: Buffer.from(data) } });

describe('writeResponse: framing', () => {
  test('bytes: Content-Length, head and body in one write, Date and Server first', async () => {
    const { outcome, sink } = await write(bytes('hello'));
    assert.equal(sink.chunks.length, 1, 'one write');
    const text = sink.bytes.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200 OK\r\nDate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\nServer: porta\/test\r\n/);
    assert.ok(text.endsWith('Content-Length: 5\r\n\r\nhello'));
    assert.deepEqual(outcome, { bodyBytes: 5, mustClose: false });
  });

  test('generated: chunked to HTTP/1.1, Content-Length to HTTP/1.0 (with keep-alive said)', async () => {
    const page: HttpResponse = { status: 404, headers: [], body: { kind: 'generated', data: Buffer.from('<p>no</p>') } };
    const one = (await write(page)).sink.bytes;
    const [res11] = splitResponses(one).responses;
    assert.equal(res11!.framing, 'chunked');
    assert.equal(res11!.text, '<p>no</p>');
    const zero = (await write(page, context({ version: 'HTTP/1.0' }))).sink.bytes;
    const [res10] = splitResponses(zero).responses;
    assert.equal(res10!.framing, 'length');
    assert.equal(res10!.get('connection'), 'keep-alive');
  });

  test('an empty generated body is one last chunk', async () => {
    const { sink } = await write({ status: 200, headers: [], body: { kind: 'generated', data: Buffer.alloc(0) } });
    assert.ok(sink.bytes.toString('latin1').endsWith('Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
  });

  test('HEAD: the same head, no body; 304 and 204: no body and no Content-Length', async () => {
    const head = (await write(bytes('hello'), context({ method: 'HEAD' }))).sink.bytes.toString('latin1');
    assert.ok(head.endsWith('Content-Length: 5\r\n\r\n'));
    for (const status of [204, 304]) {
      const text = (await write({ status, headers: [['ETag', '"x"']], body: { kind: 'bytes', data: Buffer.from('ignored') } })).sink.bytes.toString('latin1');
      assert.ok(!/Content-Length|Transfer-Encoding/.test(text), `${status}: ${text}`);
      assert.ok(text.endsWith('ETag: "x"\r\n\r\n'));
    }
  });

  test('fields the writer owns are dropped from a handler\'s list; a line break in a field is refused', async () => {
    const text = (
      await write({
        status: 200,
        headers: [
          ['content-length', '1'],
          ['Transfer-Encoding', 'chunked'],
          ['Connection', 'keep-alive'],
          ['Date', 'yesterday'],
          ['Server', 'other'],
          ['X-Ok', '1'],
        ],
        body: { kind: 'bytes', data: Buffer.from('abc') },
      })
    ).sink.bytes.toString('latin1');
    assert.equal((text.match(/Content-Length/gi) ?? []).length, 1);
    assert.ok(!/Transfer-Encoding|Connection|yesterday|other/.test(text), text);
    assert.ok(text.includes('X-Ok: 1\r\n'));
    assert.throws(() => writeResponse(new Sink().transport, { status: 200, headers: [['X-Bad', 'a\r\nInjected: 1']], body: { kind: 'none' } }, context()));
  });

  test('close: Connection: close when the connection will not be kept', async () => {
    const { sink, outcome } = await write(bytes('x'), context({ keepAlive: false }));
    assert.match(sink.bytes.toString('latin1'), /Connection: close\r\n/);
    assert.equal(outcome.mustClose, true);
  });
});

describe('writeResponse: streamed bodies', () => {
  const stream = (length: number | undefined, source: () => Readable): HttpResponse => ({ status: 200, headers: [], body: { kind: 'stream', length, open: source } });

  test('a stream of known length is framed by it', async () => {
    const { sink, outcome } = await write(stream(6, () => Readable.from([Buffer.from('abc'), Buffer.from('def')])));
    const [res] = splitResponses(sink.bytes).responses;
    assert.equal(res!.text, 'abcdef');
    assert.deepEqual(outcome, { bodyBytes: 6, mustClose: false });
  });

  test('a stream without length: chunked to HTTP/1.1, close-delimited to HTTP/1.0', async () => {
    const chunked = await write(stream(undefined, () => Readable.from([Buffer.from('abc'), Buffer.from('de')])));
    const [res] = splitResponses(chunked.sink.bytes).responses;
    assert.deepEqual(res!.chunkSizes, [3, 2]);
    const closeDelimited = await write(stream(undefined, () => Readable.from([Buffer.from('abc')])), context({ version: 'HTTP/1.0' }));
    assert.equal(closeDelimited.outcome.mustClose, true);
    assert.ok(closeDelimited.sink.bytes.toString('latin1').endsWith('Connection: close\r\n\r\nabc'));
  });

  test('a stream that ends early: error set, the bytes that went out counted', async () => {
    const { outcome } = await write(stream(10, () => Readable.from([Buffer.from('abc')])));
    assert.equal(outcome.bodyBytes, 3);
    assert.ok(outcome.error instanceof Error);
    assert.equal(outcome.mustClose, true);
  });

  test('a stream that runs past its length is cut at the length', async () => {
    const { sink, outcome } = await write(stream(4, () => Readable.from([Buffer.from('abcdef')])));
    assert.ok(sink.bytes.toString('latin1').endsWith('\r\n\r\nabcd'));
    assert.equal(outcome.bodyBytes, 4);
    assert.ok(outcome.error !== undefined);
  });

  test('HEAD never opens the stream, and releases it', async () => {
    let opened = false;
    let released = false;
    await write(
      { status: 200, headers: [], body: { kind: 'stream', length: 3, open: () => ((opened = true), Readable.from([])), release: () => (released = true) } },
      context({ method: 'HEAD' }),
    );
    assert.equal(opened, false);
    assert.equal(released, true);
  });

  test('the source is paused while the socket is full, and the blocked hook is called', async () => {
    const sink = new Sink(1024);
    sink.stall();
    const source = new PassThrough();
    let blocked = 0;
    const pending = writeResponse(sink.transport, stream(8192, () => source), context({ writeBlocked: { onWriteBlocked: () => blocked++ } }));
    source.write(Buffer.alloc(4096, 1));
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(blocked >= 1, 'the writer said the socket is full');
    assert.equal(source.isPaused(), true, 'and paused the source');
    source.end(Buffer.alloc(4096, 2));
    sink.flow();
    const outcome = await pending;
    assert.equal(outcome.bodyBytes, 8192);
  });
});

describe('writeResponse: a stored response sent again', () => {
  /** The object a stored response depends on (a representation, in the site). */
  type Key = object;
  const TEXT_FIELDS: ReadonlyArray<readonly [string, string]> = [['Content-Type', 'text/plain']];
  const reusable = (key: Key, more: Partial<HttpResponse> = {}): HttpResponse => ({
    status: 200,
    headers: [],
    sharedFields: TEXT_FIELDS,
    body: { kind: 'bytes', data: Buffer.from('hello') },
    stableAs: key,
    ...more,
  });

  /** Writes the response twice within one Date second (retrying across a second boundary). */
  async function twice(wire: Key, response: () => HttpResponse, ctx: ResponseContext = context()): Promise<[Sink, Sink]> {
    for (;;) {
      const before = currentDateSecond();
      const first = (await write(response(), ctx)).sink;
      const stored = keptResponseBytes(wire);
      const second = (await write(response(), ctx)).sink;
      if (currentDateSecond() !== before) continue;
      assert.equal(keptResponseBytes(wire), stored, 'the second write reused the stored buffer');
      return [first, second];
    }
  }

  test('a keep-alive HTTP/1.1 GET reuses the very same buffer, and its bytes are a whole response', async () => {
    const wire: Key = {};
    const [first, second] = await twice(wire, () => reusable(wire));
    assert.equal(first.chunks.length, 1);
    assert.equal(second.chunks.length, 1);
    assert.deepEqual(first.bytes, second.bytes);
    assert.ok(keptResponseBytes(wire) !== undefined);
    const { responses, rest } = splitResponses(second.bytes);
    assert.equal(responses.length, 1);
    assert.equal(rest.length, 0);
    assert.equal(responses[0]!.status, 200);
    assert.equal(responses[0]!.get('content-length'), '5');
    assert.equal(responses[0]!.get('content-type'), 'text/plain');
    assert.equal(responses[0]!.text, 'hello');
  });

  test('the stored bytes are rebuilt when the Server field differs', async () => {
    const wire: Key = {};
    await write(reusable(wire));
    const { sink } = await write(reusable(wire), context({ serverField: 'other/1' }));
    assert.match(sink.bytes.toString('latin1'), /\r\nServer: other\/1\r\n/);
  });

  test('a closing connection gets its own stored variant, with Connection: close, and the keep-alive one is untouched', async () => {
    const wire: Key = {};
    const closing = context({ keepAlive: false });
    const [first, second] = await (async () => {
      for (;;) {
        const before = currentDateSecond();
        const a = (await write(reusable(wire), closing)).sink;
        const stored = keptResponseBytes(wire, true);
        const b = (await write(reusable(wire), closing)).sink;
        if (currentDateSecond() !== before) continue;
        assert.equal(keptResponseBytes(wire, true), stored, 'the second write reused the stored close variant');
        return [a, b];
      }
    })();
    assert.deepEqual(first.bytes, second.bytes);
    assert.equal(keptResponseBytes(wire), undefined);
    const { responses } = splitResponses(second.bytes);
    assert.equal(responses.length, 1);
    assert.equal(responses[0]!.get('connection'), 'close');
    assert.equal(responses[0]!.text, 'hello');
    const kept = (await write(reusable(wire), context())).sink;
    assert.equal(splitResponses(kept.bytes).responses[0]!.get('connection'), undefined);
  });

  test('a handler-made close is formatted afresh, not taken from the store', async () => {
    const wire: Key = {};
    const { sink } = await write(reusable(wire, { close: true }), context());
    assert.equal(keptResponseBytes(wire), undefined);
    assert.equal(keptResponseBytes(wire, true), undefined);
    assert.equal(splitResponses(sink.bytes).responses[0]!.get('connection'), 'close');
  });

  for (const [label, ctx, more] of [
    ['HEAD', context({ method: 'HEAD' }), {}],
    ['HTTP/1.0', context({ version: 'HTTP/1.0' }), {}],
    ['extra header fields', context(), { headers: [['Vary', 'Accept']] }],
  ] as Array<[string, ResponseContext, Partial<HttpResponse>]>) {
    test(`not reused for ${label}`, async () => {
      const wire: Key = {};
      await write(reusable(wire, more), ctx);
      assert.equal(keptResponseBytes(wire), undefined);
    });
  }
});
