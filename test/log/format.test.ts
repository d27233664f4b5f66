import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLogItem, formatAccessLine } from '../../src/log/format.js';
import type { AccessRecord } from '../../src/log/access-record.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** The bracketed time as a person reads it off a local clock and its offset from UTC. */
function expectedTime(date: Date): string {
  const east = -date.getTimezoneOffset();
  const zone = `${east < 0 ? '-' : '+'}${two(Math.floor(Math.abs(east) / 60))}${two(Math.abs(east) % 60)}`;
  return (
    `[${two(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zone}]`
  );
}

const TIME = new Date(Date.UTC(2000, 9, 10, 20, 55, 36));

function record(overrides: Partial<AccessRecord> = {}): AccessRecord {
  return {
    remoteAddress: '127.0.0.1',
    user: undefined,
    time: TIME,
    requestLine: 'GET /apache_pb.gif HTTP/1.0',
    status: 200,
    bytes: 2326,
    durationUs: 0,
    referer: undefined,
    userAgent: undefined,
    ...overrides,
  };
}

/** Runs `body` with the process in another time zone (Node rereads TZ when it is set). */
function inZone(zone: string, body: () => void): void {
  const saved = process.env.TZ;
  process.env.TZ = zone;
  try {
    body();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

test('common format: the Apache documentation example', () => {
  assert.equal(
    formatAccessLine(record({ user: 'frank' }), 'common'),
    `127.0.0.1 - frank ${expectedTime(TIME)} "GET /apache_pb.gif HTTP/1.0" 200 2326\n`,
  );
});

test('no user is -, no body is 0', () => {
  assert.equal(
    formatAccessLine(record({ status: 304, bytes: 0 }), 'common'),
    `127.0.0.1 - - ${expectedTime(TIME)} "GET /apache_pb.gif HTTP/1.0" 304 0\n`,
  );
});

test('an IPv4-mapped address is logged as a dotted quad; IPv6 as given', () => {
  const mapped = formatAccessLine(record({ remoteAddress: '::ffff:192.0.2.7' }), 'common');
  assert.ok(mapped.startsWith('192.0.2.7 - - ['), mapped);
  const v6 = formatAccessLine(record({ remoteAddress: '2001:db8::1' }), 'common');
  assert.ok(v6.startsWith('2001:db8::1 - - ['), v6);
  const loop = formatAccessLine(record({ remoteAddress: '::1' }), 'common');
  assert.ok(loop.startsWith('::1 - - ['), loop);
});

test('combined format adds the quoted Referer and User-Agent, "-" when absent', () => {
  assert.equal(
    formatAccessLine(
      record({ user: 'frank', referer: 'http://www.example.com/start.html', userAgent: 'Mozilla/4.08 [en] (Win98; I ;Nav)' }),
      'combined',
    ),
    `127.0.0.1 - frank ${expectedTime(TIME)} "GET /apache_pb.gif HTTP/1.0" 200 2326 ` +
      '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"\n',
  );
  assert.ok(formatAccessLine(record(), 'combined').endsWith(' 200 2326 "-" "-"\n'));
});

test('quoted strings are escaped as Apache does, so no line can be forged', () => {
  const line = formatAccessLine(
    record({ requestLine: 'GET /a"b\\c\r\n1.2.3.4 - - x\u0001\u00e9 HTTP/1.1', userAgent: 'x"\ty', user: 'we ird"' }),
    'combined',
  );
  assert.equal(line.split('\n').length, 2);
  assert.ok(line.includes('"GET /a\\"b\\\\c\\r\\n1.2.3.4 - - x\\x01\\xe9 HTTP/1.1"'), line);
  assert.ok(line.includes(' - we ird\\" ['), line);
  assert.ok(line.endsWith('"-" "x\\"\\ty"\n'), line);
});

test('escapeLogItem: latin1 characters are bytes, wider characters their UTF-8 bytes', () => {
  assert.equal(escapeLogItem('plain text ~'), 'plain text ~');
  assert.equal(escapeLogItem('\b\v\x7f\xff'), '\\b\\v\\x7f\\xff');
  assert.equal(escapeLogItem('\u20ac'), '\\xe2\\x82\\xac');
  assert.equal(escapeLogItem('\ud83d\ude00!'), '\\xf0\\x9f\\x98\\x80!');
  assert.equal(escapeLogItem('\ud800A'), '\\xef\\xbf\\xbdA');
});

test('the time is local with its offset: UTC, a half-hour zone and a zone west of UTC', () => {
  inZone('UTC', () => {
    const line = formatAccessLine(record({ time: new Date(Date.UTC(2001, 0, 2, 3, 4, 5)) }), 'common');
    assert.ok(line.includes(' [02/Jan/2001:03:04:05 +0000] '), line);
  });
  inZone('Asia/Kolkata', () => {
    const line = formatAccessLine(record({ time: new Date(Date.UTC(2001, 0, 2, 3, 4, 6)) }), 'common');
    assert.ok(line.includes(' [02/Jan/2001:08:34:06 +0530] '), line);
  });
  inZone('America/Los_Angeles', () => {
    const line = formatAccessLine(record({ time: new Date(Date.UTC(2000, 9, 10, 20, 55, 37)) }), 'common');
    assert.ok(line.includes(' [10/Oct/2000:13:55:37 -0700] '), line);
  });
});

test('records in the same second share the timestamp; a new second gets a new one', () => {
  const a = formatAccessLine(record({ time: new Date(TIME.getTime() + 100) }), 'common');
  const b = formatAccessLine(record({ time: new Date(TIME.getTime() + 900) }), 'common');
  const c = formatAccessLine(record({ time: new Date(TIME.getTime() + 1000) }), 'common');
  assert.equal(a, b);
  assert.ok(c.includes(expectedTime(new Date(TIME.getTime() + 1000))));
});
