/**
 * The request body stream's errors always have an owner: a body that fails (the client reset
 * the connection, sent bad chunks, went over the limit) before the handler starts reading must
 * not become an unhandled 'error' event, and the handler still sees the failure when it reads.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import { BodyReader, type BodyOwner } from '../../src/http/body-reader.js';
import { HttpError } from '../../src/http/http-error.js';
import { BodyError } from '../../src/http/request-body.js';

const idleOwner: BodyOwner = { bodyWanted: () => {}, pumpBody: () => {} };

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

test('a body that fails before its handler reads is not an uncaught error, and the handler sees it', async () => {
  const body = new BodyReader(idleOwner, { kind: 'length', length: 100 }, 1000);
  const stream = body.stream();
  body.fail(new HttpError(400, 'The client closed the connection before the request body ended.', { close: true }));
  // The handler is still busy elsewhere (a PUT opens its temporary file first).
  await nextTurn();
  await nextTurn();
  await assert.rejects(readAll(stream), (error: unknown) => error instanceof BodyError && error.httpError.status === 400);
});

test('a body that failed before the stream was asked for hands the failure to the late reader', async () => {
  const body = new BodyReader(idleOwner, { kind: 'chunked' }, 1000);
  body.fail(new HttpError(413, 'The request body is larger than the limit.', { close: true }));
  const stream = body.stream();
  await nextTurn();
  await nextTurn();
  await assert.rejects(readAll(stream), (error: unknown) => error instanceof BodyError && error.httpError.status === 413);
});

test('a body read to its end gives its bytes', async () => {
  const body = new BodyReader(idleOwner, { kind: 'length', length: 5 }, 1000);
  const reading = readAll(body.stream());
  await nextTurn();
  assert.equal(body.take(Buffer.from('helloEXTRA'), 0, 10), 5);
  assert.equal((await reading).toString(), 'hello');
});
