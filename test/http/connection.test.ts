/**
 * Unit tests of the connection state machine (src/http/connection.ts) on a stream pair, with
 * handlers written for the test: pipelining order, the streaming request body (100 Continue
 * on the first read, 413/400/408 mid-body, draining what is not read), backpressure towards a
 * client that does not read, and the deadlines of every state.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Readable } from 'node:stream';
import { HttpConnection, type ConnectionContext } from '../../src/http/connection.js';
import { ByteBudget } from '../../src/http/byte-budget.js';
import { DeadlineSweeper } from '../../src/http/deadline-sweeper.js';
import { errorResponse } from '../../src/http/error-page.js';
import type { CompletedExchange, HttpRequest, RequestHandler } from '../../src/http/handler.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../../src/http/limits.js';
import { BodyError } from '../../src/http/request-body.js';
import type { HttpResponse } from '../../src/http/response.js';
import { NodeStreamTransport } from '../../src/transport/node-stream-transport.js';
import { eventually } from '../helpers/eventually.js';
import { splitResponses } from '../helpers/raw-client.js';
import { createStreamPair, type ClientEnd } from '../helpers/stream-pair.js';

const T = { timeout: 15_000 };

interface Harness {
  readonly client: ClientEnd;
  readonly exchanges: CompletedExchange[];
  readonly errors: unknown[];
  readonly connection: HttpConnection;
  readonly server: import('node:stream').Duplex;
  readonly sweeper: DeadlineSweeper;
  statuses(): number[];
}

function start(handle: RequestHandler, limits: Partial<HttpLimits> = {}, budget = new ByteBudget(DEFAULT_LIMITS.maxBufferedBytes), clock?: () => number): Harness {
  const { server, client } = createStreamPair();
  const exchanges: CompletedExchange[] = [];
  const errors: unknown[] = [];
  const sweeper = new DeadlineSweeper(clock !== undefined ? { clock } : {});
  const context: ConnectionContext = {
    limits: { ...DEFAULT_LIMITS, ...limits },
    serverField: 'porta/test',
    handle,
    onExchange: (exchange) => exchanges.push(exchange),
    onInternalError: (error) => errors.push(error),
    sweeper,
    budget,
  };
  const connection = new HttpConnection(new NodeStreamTransport(server), context, () => undefined);
  return {
    client,
    exchanges,
    errors,
    connection,
    server,
    sweeper,
    statuses: () => splitResponses(client.received(), { ended: client.isClosed }).responses.map((r) => r.status),
  };
}

const text = (status: number, body: string, extra: Partial<HttpResponse> = {}): HttpResponse => ({
  status,
  headers: [['Content-Type', 'text/plain']],
  body: { kind: 'bytes', data: Buffer.from(body) },
  ...extra,
});

/** Answers with the request's path. */
const echoPath: RequestHandler = (request) => text(200, request.pathAndQuery);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads the whole body and answers with it; a body error is answered with its status. */
const echoBody: RequestHandler = async (request: HttpRequest) => {
  try {
    const body = await readAll(request.body.stream());
    return text(200, body.toString('latin1'));
  } catch (error) {
    if (error instanceof BodyError) return errorResponse(error.httpError);
    throw error;
  }
};

const get = (path: string, more = ''): string => `GET ${path} HTTP/1.1\r\nHost: t\r\n${more}\r\n`;
const responsesOf = (h: Harness): ReturnType<typeof splitResponses>['responses'] => splitResponses(h.client.received(), { ended: h.client.isClosed }).responses;
const count = (n: number) => (received: Buffer): boolean => {
  try {
    return splitResponses(received).responses.length >= n;
  } catch {
    return false;
  }
};

describe('connection: order and framing', () => {
  test('pipelined requests are answered in order, each once', T, async () => {
    const h = start(echoPath);
    h.client.write(get('/a') + get('/b') + get('/c'));
    await h.client.waitFor(count(3));
    assert.deepEqual(responsesOf(h).map((r) => r.text), ['/a', '/b', '/c']);
    h.server.destroy();
  });

  test('a handler cannot put its own framing or hop-by-hop fields on the wire', T, async () => {
    const h = start(() => ({
      status: 200,
      headers: [
        ['Content-Length', '999'],
        ['Transfer-Encoding', 'gzip'],
        ['Connection', 'upgrade'],
        ['Keep-Alive', 'timeout=99'],
        ['Upgrade', 'h2c'],
        ['X-Kept', 'yes'],
      ],
      body: { kind: 'bytes', data: Buffer.from('ok') },
    }));
    h.client.write(get('/x'));
    await h.client.waitFor(count(1));
    const [res] = responsesOf(h);
    assert.equal(res!.text, 'ok');
    assert.deepEqual(res!.getAll('content-length'), ['2']);
    assert.equal(res!.get('transfer-encoding'), undefined);
    assert.equal(res!.get('connection'), undefined);
    assert.equal(res!.get('keep-alive'), undefined);
    assert.equal(res!.get('upgrade'), undefined);
    assert.equal(res!.get('x-kept'), 'yes');
    h.server.destroy();
  });
});

describe('connection: the request body as a stream', () => {
  test('a body by length and a chunked body reach the handler byte for byte; the next request follows', T, async () => {
    const h = start((request) => (request.method === 'POST' ? echoBody(request) : echoPath(request)));
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello');
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n');
    h.client.write(get('/after'));
    await h.client.waitFor(count(3));
    assert.deepEqual(responsesOf(h).map((r) => r.text), ['hello', 'abcde', '/after']);
    h.server.destroy();
  });

  test('100 Continue goes out when the handler first reads, never before', T, async () => {
    let release: () => void = () => undefined;
    const later = new Promise<void>((resolve) => (release = resolve));
    const h = start(async (request) => {
      await later;
      return echoBody(request);
    });
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(h.client.received().length, 0, 'nothing yet: the handler has not asked for the body');
    release();
    await h.client.waitFor((b) => b.toString('latin1').startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    h.client.write('hello');
    await h.client.waitFor(count(2));
    assert.deepEqual(responsesOf(h).map((r) => [r.status, r.text]), [[100, ''], [200, 'hello']]);
    h.server.destroy();
  });

  test('no 100 Continue when the body is already arriving', T, async () => {
    const h = start(echoBody);
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello');
    await h.client.waitFor(count(1));
    assert.deepEqual(responsesOf(h).map((r) => r.status), [200]);
    h.server.destroy();
  });

  test('a chunked body that grows past the limit while read: 413 and close, the next request is not answered', T, async () => {
    const h = start(echoBody, { maxBodyBytes: 10 });
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n' + get('/smuggled'));
    await h.client.closed();
    const responses = responsesOf(h);
    assert.deepEqual(responses.map((r) => r.status), [413]);
    assert.equal(responses[0]!.get('connection'), 'close');
  });

  test('a malformed chunked body while read: 400 and close', T, async () => {
    const h = start(echoBody);
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n' + get('/smuggled'));
    await h.client.closed();
    assert.deepEqual(h.statuses(), [400]);
  });

  test('a body that stops arriving while read: 408 after the header timeout, and close', T, async () => {
    const h = start(echoBody, { headerTimeoutMs: 300 });
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nonly5');
    await h.client.closed();
    assert.deepEqual(h.statuses(), [408]);
  });

  test('a client that half-closes in the middle of a body it is sending: 400', T, async () => {
    const h = start(echoBody);
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nonly5');
    h.client.end();
    await h.client.closed();
    assert.deepEqual(h.statuses(), [400]);
  });

  test('a client that half-closes after a complete body still gets its answer', T, async () => {
    const h = start(async (request) => {
      // Answers only once the client's half-close has reached the server.
      await halfClosed;
      return echoBody(request);
    });
    const halfClosed = new Promise((resolve) => h.server.once('end', resolve));
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello');
    h.client.end();
    await h.client.closed();
    assert.deepEqual(responsesOf(h).map((r) => r.text), ['hello']);
  });

  test('the handler is fed no faster than it reads (backpressure on the body)', T, async () => {
    let stream: Readable | undefined;
    let answered: (() => void) | undefined;
    const h = start(async (request) => {
      stream = request.body.stream();
      await new Promise<void>((resolve) => (answered = resolve));
      const body = await readAll(stream);
      return text(200, String(body.length));
    });
    const size = 1024 * 1024;
    h.client.write(`POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: ${size}\r\n\r\n`);
    h.client.write(Buffer.alloc(size, 0x61));
    await eventually(() => h.server.isPaused(), 'the connection to stop reading from the client');
    assert.ok(stream !== undefined);
    assert.ok(stream.readableLength <= 128 * 1024, `buffered for the handler: ${stream.readableLength}`);
    assert.ok(h.server.isPaused(), 'the connection stopped reading from the client');
    answered?.();
    await h.client.waitFor(count(1));
    assert.equal(responsesOf(h)[0]!.text, String(size));
    h.server.destroy();
  });

  test('a small unread body is drained and the connection goes on', T, async () => {
    const h = start(echoPath);
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello' + get('/next'));
    await h.client.waitFor(count(2));
    assert.deepEqual(responsesOf(h).map((r) => r.text), ['/p', '/next']);
    assert.equal(responsesOf(h)[0]!.get('connection'), undefined, 'kept alive');
    h.server.destroy();
  });

  test('a large unread body: Connection: close on the answer, then close', T, async () => {
    const h = start(echoPath);
    h.client.write(`POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: ${1024 * 1024}\r\n\r\nabc`);
    await h.client.closed();
    const responses = responsesOf(h);
    assert.deepEqual(responses.map((r) => r.status), [200]);
    assert.equal(responses[0]!.get('connection'), 'close');
  });

  test('an unread body while the client waits for 100 Continue: Connection: close', T, async () => {
    const h = start(echoPath);
    h.client.write('POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await h.client.closed();
    const responses = responsesOf(h);
    assert.deepEqual(responses.map((r) => r.status), [200]);
    assert.equal(responses[0]!.get('connection'), 'close');
  });
});

describe('connection: backpressure and deadlines', () => {
  test('a client that pipelines without reading makes the connection stop reading; memory stays bounded', T, async () => {
    const body = Buffer.alloc(2048, 0x62);
    const h = start(() => ({ status: 200, headers: [], body: { kind: 'bytes', data: body } }));
    h.client.stopReading();
    const n = 2000;
    h.client.write(Array.from({ length: n }, (_, i) => get(`/r${i}`)).join(''));
    await eventually(() => h.server.isPaused(), 'reading to pause');
    assert.ok(h.server.writableLength <= 64 * 1024 + 4096, `queued for the client: ${h.server.writableLength} bytes`);
    assert.ok(h.exchanges.length < n, `answered ${h.exchanges.length} of ${n} while the client did not read`);
    assert.ok(h.server.isPaused(), 'reading paused');
    h.client.startReading();
    await h.client.waitFor(count(n), 10_000);
    assert.equal(h.exchanges.length, n);
    h.server.destroy();
  });

  test('an extra CRLF after a request does not switch off the keep-alive timeout', T, async () => {
    const h = start(echoPath, { keepAliveTimeoutMs: 300 });
    h.client.write(`${get('/a')}\r\n`);
    await h.client.closed();
    assert.deepEqual(h.statuses(), [200, 408]);
  });

  test('empty lines between requests do not reset the idle deadline', T, async () => {
    let now = 1_000_000;
    const h = start(echoPath, { keepAliveTimeoutMs: 400 }, undefined, () => now);
    h.client.write(get('/a'));
    await h.client.waitFor(count(1));
    // An empty line every 100 ms (by the connection's clock) for 390 ms: still open.
    for (let i = 0; i < 4; i++) {
      now += i === 3 ? 90 : 100;
      h.client.write('\r\n');
      await new Promise((resolve) => setImmediate(resolve));
      h.sweeper.sweep();
    }
    assert.equal(h.client.isClosed, false, 'open before the idle deadline');
    now += 20;
    h.client.write('\r\n');
    await new Promise((resolve) => setImmediate(resolve));
    h.sweeper.sweep();
    await h.client.closed(5000);
    assert.deepEqual(h.statuses(), [200, 408], 'closed at the idle deadline, not kept alive by the empty lines');
  });

  test('a response the client does not read is abandoned after the send timeout', T, async () => {
    const big = Buffer.alloc(512 * 1024, 0x63);
    const h = start(() => ({ status: 200, headers: [], body: { kind: 'bytes', data: big } }), { sendTimeoutMs: 300 });
    h.client.stopReading();
    h.client.write(get('/big'));
    // The sweeper's timer does not hold the event loop open (a real socket would); this does.
    const guard = setTimeout(() => undefined, 5000);
    try {
      await new Promise<void>((resolve) => h.server.on('close', () => resolve()));
    } finally {
      clearTimeout(guard);
    }
    assert.equal(h.server.destroyed, true);
  });
});


describe('connection: the server-wide budget for request bytes', () => {
  test('past the budget a new body is refused with 503, and a connection holding bytes waits until there is room', T, async () => {
    const budget = new ByteBudget(4096);
    let answerHeld: (() => void) | undefined;
    // A handler that neither reads nor answers until told: its connection holds what arrives.
    const holder = start(() => new Promise<HttpResponse>((resolve) => (answerHeld = () => resolve(text(200, 'held'))), ), {}, budget);
    holder.client.write(`POST /hold HTTP/1.1\r\nHost: t\r\nContent-Length: 6000\r\n\r\n${'x'.repeat(5000)}`);
    await eventually(() => budget.exhausted, 'the budget to be spent');
    assert.ok(budget.bytes >= 4096, `the held bytes count: ${budget.bytes}`);
    assert.ok(holder.server.isPaused(), 'the holding connection is no longer read');

    const other = start(echoBody, {}, budget);
    other.client.write('POST /other HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello');
    await other.client.closed();
    const [refused] = responsesOf(other);
    assert.equal(refused!.status, 503);
    assert.equal(refused!.get('retry-after'), '5');

    const plain = start(echoPath, {}, budget);
    plain.client.write(get('/no-body'));
    await plain.client.waitFor(count(1));
    assert.equal(responsesOf(plain)[0]!.status, 200, 'a request without a body is still served');

    answerHeld?.();
    holder.client.write('x'.repeat(1000));
    await holder.client.waitFor(count(1));
    assert.equal(responsesOf(holder)[0]!.text, 'held');
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(budget.bytes < 4096, `released: ${budget.bytes}`);
    for (const h of [holder, plain]) h.server.destroy();
  });
});
