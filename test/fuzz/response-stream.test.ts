/** The fuzzer's framing check must catch what it is there to catch (a check that cannot fail proves nothing). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResponseStream } from './response-stream.js';
import { secondHalfGrowth } from './engine.js';

const HEAD = 'Date: Sun, 22 Nov 2026 18:00:00 GMT\r\nServer: porta/0.1.0\r\n';
const ok = (status: number, body: string, extra = ''): string => `HTTP/1.1 ${status} X\r\n${HEAD}${extra}Content-Length: ${body.length}\r\n\r\n${body}`;
const check = (text: string, truncatedOk = false) => checkResponseStream(Buffer.from(text, 'latin1'), true, truncatedOk);

test('well-framed streams pass, HEAD answers (a length but no body) included', () => {
  assert.deepEqual(check(ok(200, 'hello') + ok(404, 'nope')), { statuses: [200, 404] });
  const headAnswer = `HTTP/1.1 200 X\r\n${HEAD}Content-Length: 2048\r\n\r\n`;
  assert.deepEqual(check(headAnswer + ok(200, 'x')), { statuses: [200, 200] });
  const chunked = `HTTP/1.1 400 X\r\n${HEAD}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n`;
  assert.deepEqual(check(ok(200, 'a') + chunked), { statuses: [200, 400] });
});

test('broken streams are caught: a body longer than its length, a cut-off response, bytes after close, no framing', () => {
  assert.match(check(`${ok(200, 'hello')}xx`).problem ?? '', /malformed|garbage/);
  assert.match(check(ok(200, 'hello').slice(0, -2)).problem ?? '', /cut short/);
  assert.equal(check(ok(200, 'hello').slice(0, -2), true).problem, undefined, 'a late reader may see its last answer cut short');
  assert.match(check(ok(200, 'a', 'Connection: close\r\n') + ok(200, 'b')).problem ?? '', /after a response with Connection: close/);
  assert.match(check(`HTTP/1.1 200 X\r\n${HEAD}\r\nabc`).problem ?? '', /no Content-Length/);
  assert.match(check(`HTTP/1.1 200 X\r\nServer: porta\r\nContent-Length: 0\r\n\r\n`).problem ?? '', /Date and Server/);
  assert.match(check(`HTTP/1.1 200 X\r\n${HEAD}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`).problem ?? '', /conflicting/);
});

test('the heap trend: flat is 0, steady growth is seen', () => {
  assert.equal(Math.round(secondHalfGrowth(Array.from({ length: 20 }, () => 100))), 0);
  assert.equal(Math.round(secondHalfGrowth(Array.from({ length: 20 }, (_, i) => i * 10))), 100);
});
