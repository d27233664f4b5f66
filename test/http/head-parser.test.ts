/**
 * Unit tests of the request-head parser against docs/protocol.md (and RFC 9112 where docs/protocol.md
 * is silent). Every rule gets its own case, so a regression names the rule it broke.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkIncompleteHead,
  findHeadEnd,
  parseRequestHead,
  skipLeadingEmptyLines,
} from '../../src/http/head-parser.js';
import { HttpError } from '../../src/http/http-error.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../../src/http/limits.js';
import type { RequestHead } from '../../src/http/request.js';

const CRLF = '\r\n';

/** A head with CRLF line ends: the request line, the field lines, the empty line. */
function head(requestLine: string, ...fieldLines: string[]): string {
  return [requestLine, ...fieldLines, '', ''].join(CRLF);
}

/** Parses `text` the way the connection does: skip empty lines, find the end, parse. */
function parse(text: string, limits: HttpLimits = DEFAULT_LIMITS): RequestHead {
  const buf = Buffer.from(text, 'latin1');
  const skip = skipLeadingEmptyLines(buf, 0, buf.length);
  const end = findHeadEnd(buf, skip, buf.length);
  assert.notEqual(end, -1, `the head should be complete: ${JSON.stringify(text)}`);
  return parseRequestHead(buf, skip, end, limits);
}

/** 'ok' when the head parses, else the status of the HttpError it throws. */
function outcome(text: string, limits: HttpLimits = DEFAULT_LIMITS): number | 'ok' {
  try {
    parse(text, limits);
    return 'ok';
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

function assertStatus(text: string, status: number | 'ok', limits: HttpLimits = DEFAULT_LIMITS): void {
  assert.equal(outcome(text, limits), status, `for ${JSON.stringify(text)}`);
}

/** The error checkIncompleteHead throws for `text` (all of it, treated as an unfinished head). */
function incompleteOutcome(text: string, limits: HttpLimits): number | 'ok' {
  const buf = Buffer.from(text, 'latin1');
  try {
    checkIncompleteHead(buf, 0, buf.length, limits);
    return 'ok';
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

const HOST = 'Host: example.com';

describe('request line (RFC 9112 section 3)', () => {
  it('parses method, target, version and keeps the raw line and head', () => {
    const text = head('GET /a/b?q=1 HTTP/1.1', HOST);
    const parsed = parse(text);
    assert.equal(parsed.method, 'GET');
    assert.equal(parsed.target, '/a/b?q=1');
    assert.equal(parsed.version, 'HTTP/1.1');
    assert.equal(parsed.requestLine, 'GET /a/b?q=1 HTTP/1.1');
    assert.equal(parsed.rawHead, text);
    assert.equal(parsed.pathAndQuery, '/a/b?q=1');
    assert.equal(parsed.authority, 'example.com');
    assert.deepEqual(parsed.bodyFraming, { kind: 'none' });
  });

  it('accepts any method token (an unknown one is answered 501 later, not by the parser)', () => {
    for (const method of ['BREW', 'M-SEARCH', 'get', "X!#$%&'*+-.^_`|~9"]) {
      assert.equal(parse(head(`${method} / HTTP/1.1`, HOST)).method, method);
    }
  });

  it('rejects malformed request lines with 400', () => {
    const lines = [
      'qwerty',
      'GET',
      'GET /',
      'GET  / HTTP/1.1',
      'GET /  HTTP/1.1',
      ' GET / HTTP/1.1',
      'GET / HTTP/1.1 ',
      'GET / HTTP/1.1  ',
      'GET\t/ HTTP/1.1',
      'GET /\tHTTP/1.1',
      'GET /a b HTTP/1.1',
      'GET / HTTP/1.1 extra',
      'G(T / HTTP/1.1',
      'G\x00T / HTTP/1.1',
      'GET /a\x01 HTTP/1.1',
      'GET /a\x7f HTTP/1.1',
      'GET /a\x0b HTTP/1.1',
      'GET / HTTP/1.1\x00',
    ];
    for (const line of lines) assertStatus(head(line, HOST), 400);
  });
});

describe('HTTP version', () => {
  it('serves HTTP/1.1 and HTTP/1.0', () => {
    assert.equal(parse(head('GET / HTTP/1.1', HOST)).version, 'HTTP/1.1');
    assert.equal(parse(head('GET / HTTP/1.0')).version, 'HTTP/1.0');
  });

  it('answers 505 for a well-formed version it does not speak', () => {
    for (const version of ['HTTP/2.0', 'HTTP/1.11', 'HTTP/3.0', 'HTTP/1.2', 'HTTP/0.9', 'HTTP/10.0']) {
      assertStatus(head(`GET / ${version}`, HOST), 505);
    }
  });

  it('answers 400 for any other shape', () => {
    for (const version of ['qwerty', 'HTTP/1', 'http/1.1', 'HTTP/1.1x', 'HTTP/', 'HTTP/1.', 'HTTP/.1', 'HTTPS/1.1', 'HTTP/1.1.1', 'HTTP/a.b', 'HTTP 1.1']) {
      const status = outcome(head(`GET / ${version}`, HOST));
      assert.equal(status, 400, `for version ${JSON.stringify(version)}`);
    }
  });
});

describe('request-target forms (RFC 9112 section 3.2)', () => {
  it('origin-form: path and query as sent, authority from Host', () => {
    const parsed = parse(head('GET /a%20b/c?x=1&y=%2F HTTP/1.1', 'Host: example.com:8080'));
    assert.equal(parsed.pathAndQuery, '/a%20b/c?x=1&y=%2F');
    assert.equal(parsed.authority, 'example.com:8080');
  });

  it('absolute-form: its host wins over Host and the path is extracted', () => {
    const parsed = parse(head('GET http://other.example:8080/p/q?r=1 HTTP/1.1', HOST));
    assert.equal(parsed.target, 'http://other.example:8080/p/q?r=1');
    assert.equal(parsed.authority, 'other.example:8080');
    assert.equal(parsed.pathAndQuery, '/p/q?r=1');
  });

  it('absolute-form without a path means "/" and a bare query gets one', () => {
    assert.equal(parse(head('GET http://a.example HTTP/1.1', HOST)).pathAndQuery, '/');
    assert.equal(parse(head('GET http://a.example?x=1 HTTP/1.1', HOST)).pathAndQuery, '/?x=1');
    assert.equal(parse(head('GET HTTP://A.EXAMPLE/ HTTP/1.1', HOST)).authority, 'A.EXAMPLE');
    assert.equal(parse(head('GET http://[::1]:81/ HTTP/1.1', HOST)).authority, '[::1]:81');
  });

  it('absolute-form still needs a Host field in HTTP/1.1 (RFC 9112 section 3.2)', () => {
    assertStatus(head('GET http://a.example/ HTTP/1.1'), 400);
    assert.equal(parse(head('GET http://a.example/ HTTP/1.0')).authority, 'a.example');
  });

  it('absolute-form with an empty, userinfo-carrying or malformed authority -> 400', () => {
    for (const target of ['http:///a', 'http://', 'http://user@a.example/', 'http://a.example:x/', 'http://a:1:2/']) {
      assertStatus(head(`GET ${target} HTTP/1.1`, HOST), 400);
    }
  });

  it('asterisk-form only with OPTIONS', () => {
    const parsed = parse(head('OPTIONS * HTTP/1.1', HOST));
    assert.equal(parsed.pathAndQuery, '*');
    assert.equal(parsed.authority, 'example.com');
    for (const method of ['GET', 'HEAD', 'POST', 'options']) assertStatus(head(`${method} * HTTP/1.1`, HOST), 400);
  });

  it('authority-form only for CONNECT', () => {
    const parsed = parse(head('CONNECT example.com:443 HTTP/1.1', HOST));
    assert.equal(parsed.authority, 'example.com:443');
    assert.equal(parsed.pathAndQuery, 'example.com:443');
    for (const method of ['GET', 'OPTIONS', 'connect']) assertStatus(head(`${method} example.com:443 HTTP/1.1`, HOST), 400);
  });

  it('relative references and other shapes -> 400', () => {
    for (const target of ['a/b', '?q', '#f', '.', '**', 'a.example']) assertStatus(head(`GET ${target} HTTP/1.1`, HOST), 400);
  });
});

describe('field lines (RFC 9112 section 5)', () => {
  it('lower-cases names, trims OWS around values, keeps inner whitespace and order', () => {
    const parsed = parse(head('GET / HTTP/1.1', HOST, 'X-One:  a  b \t', 'x-two:\tv', 'X-Empty:', 'X-Blank:   ', 'X-ONE: c'));
    assert.deepEqual(parsed.fields.list, [
      ['host', 'example.com'],
      ['x-one', 'a  b'],
      ['x-two', 'v'],
      ['x-empty', ''],
      ['x-blank', ''],
      ['x-one', 'c'],
    ]);
    assert.equal(parsed.fields.get('x-one'), 'a  b, c');
  });

  it('keeps obs-text (bytes >= 0x80) and HTAB inside values', () => {
    const parsed = parse(head('GET / HTTP/1.1', HOST, 'X-T: caf\xe9\tbar\xff'));
    assert.equal(parsed.fields.get('x-t'), 'caf\xe9\tbar\xff');
  });

  it('a value may contain colons', () => {
    assert.equal(parse(head('GET / HTTP/1.1', HOST, 'X-Url: http://a:1/b')).fields.get('x-url'), 'http://a:1/b');
  });

  it('rejects a line without a colon, an empty name, whitespace before the colon', () => {
    for (const line of ['nocolon', 'no colon here', ': value', ':', 'Host : example.com', 'X-A\t: v', 'X A: v']) {
      assertStatus(head('GET / HTTP/1.1', HOST, line), 400);
    }
  });

  it('rejects obs-fold (a line starting with SP or HTAB)', () => {
    assertStatus(head('GET / HTTP/1.1', HOST, 'X-A: a', ' continued'), 400);
    assertStatus(head('GET / HTTP/1.1', HOST, 'X-A: a', '\tcontinued'), 400);
    assertStatus(head('GET / HTTP/1.1', ' X-A: a', HOST), 400);
  });

  it('rejects names that are not tokens', () => {
    for (const name of ['X{', 'X-\xe9', 'X\x00', 'X\x01Y', 'X"', 'X/Y', 'X@', '(X)']) {
      assertStatus(head('GET / HTTP/1.1', HOST, `${name}: v`), 400);
    }
  });

  it('rejects control characters in values', () => {
    for (const byte of [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f]) {
      assertStatus(head('GET / HTTP/1.1', HOST, `X-A: a${String.fromCharCode(byte)}b`), 400);
    }
  });
});

describe('line ends (RFC 9112 section 2.2)', () => {
  it('accepts bare LF line ends and gives the same head as CRLF', () => {
    const crlf = parse(head('GET /x HTTP/1.1', HOST, 'X-A: 1'));
    const lf = parse('GET /x HTTP/1.1\nHost: example.com\nX-A: 1\n\n');
    assert.equal(lf.requestLine, crlf.requestLine);
    assert.deepEqual(lf.fields.list, crlf.fields.list);
  });

  it('accepts mixed CRLF and LF line ends', () => {
    for (const text of [
      'GET / HTTP/1.1\r\nHost: a\nX-A: 1\r\n\n',
      'GET / HTTP/1.1\nHost: a\r\nX-A: 1\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\n\n',
    ]) {
      const parsed = parse(text);
      assert.deepEqual(parsed.fields.list, [['host', 'a'], ['x-a', '1']], JSON.stringify(text));
      assert.equal(parsed.requestLine, 'GET / HTTP/1.1');
    }
  });

  it('rejects a bare CR anywhere in the head', () => {
    for (const text of [
      'GET / HTTP/1.1\r\r\nHost: a\r\n\r\n',
      'GET /\r HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\rX-A: 1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\n\rX-A: 1\r\n\r\n',
    ]) {
      assertStatus(text, 400);
    }
  });

  it('skips empty lines before the request line', () => {
    const cases: Array<[string, number]> = [
      ['GET / HTTP/1.1\r\n', 0],
      ['\r\nGET', 2],
      ['\n\nGET', 2],
      ['\r\n\n\r\nGET', 5],
      ['\r\n\r\n', 4],
      ['\rGET', 0],
      ['\r\n\r', 2],
      ['', 0],
    ];
    for (const [text, skipped] of cases) {
      const buf = Buffer.from(text, 'latin1');
      assert.equal(skipLeadingEmptyLines(buf, 0, buf.length), skipped, JSON.stringify(text));
    }
    const parsed = parse(`\r\n\n\r\n${head('GET / HTTP/1.1', HOST)}`);
    assert.equal(parsed.requestLine, 'GET / HTTP/1.1');
    assert.equal(parsed.rawHead.startsWith('GET'), true);
  });

  it('skipLeadingEmptyLines honours start and end', () => {
    const buf = Buffer.from('xx\r\n\r\nGET', 'latin1');
    assert.equal(skipLeadingEmptyLines(buf, 2, buf.length), 4);
    assert.equal(skipLeadingEmptyLines(buf, 2, 5), 2, 'a CR at the end is not an empty line yet');
  });
});

describe('Host (RFC 9112 section 3.2)', () => {
  it('is required in HTTP/1.1 and optional in HTTP/1.0', () => {
    assertStatus(head('GET / HTTP/1.1'), 400);
    assertStatus(head('GET / HTTP/1.1', 'X-A: 1'), 400);
    const parsed = parse(head('GET / HTTP/1.0'));
    assert.equal(parsed.authority, undefined);
  });

  it('more than one Host -> 400, whatever the case or values', () => {
    assertStatus(head('GET / HTTP/1.1', HOST, HOST), 400);
    assertStatus(head('GET / HTTP/1.1', 'Host: a', 'HOST: b'), 400);
    assertStatus(head('GET / HTTP/1.0', 'host: a', 'Host: a'), 400);
  });

  it('accepts valid hosts, including an empty one', () => {
    for (const host of ['example.com', 'example.com:8080', 'EXAMPLE.com', '127.0.0.1', '127.0.0.1:80', '[::1]', '[::1]:8080', 'xn--bcher-kva.example', 'a_b.example', '']) {
      assert.equal(parse(head('GET / HTTP/1.1', `Host: ${host}`)).authority, host, `Host: ${host}`);
    }
  });

  it('rejects invalid hosts with 400', () => {
    for (const host of ['a b', 'a@b', 'a:b', 'a:80:90', 'a/b', 'a\\b', '[::1', 'a?b', 'a#b', 'a"b', '<a>', 'a\x01b']) {
      assertStatus(head('GET / HTTP/1.1', `Host: ${host}`), 400);
    }
  });

  it('more than one Authorization -> 400 (docs/protocol.md)', () => {
    assert.equal(parse(head('GET / HTTP/1.1', HOST, 'Authorization: Basic YTpi')).fields.get('authorization'), 'Basic YTpi');
    assertStatus(head('GET / HTTP/1.1', HOST, 'Authorization: Basic YTpi', 'authorization: Basic YTpi'), 400);
  });
});

describe('Content-Length (RFC 9112 section 6.3)', () => {
  const framing = (...lines: string[]): RequestHead['bodyFraming'] => parse(head('POST / HTTP/1.1', HOST, ...lines)).bodyFraming;

  it('a valid length frames the body; zero means no body', () => {
    assert.deepEqual(framing('Content-Length: 10'), { kind: 'length', length: 10 });
    assert.deepEqual(framing('Content-Length: 0'), { kind: 'none' });
    assert.deepEqual(framing('Content-Length: 007'), { kind: 'length', length: 7 });
    assert.deepEqual(framing('Content-Length: 999999999999999'), { kind: 'length', length: 999999999999999 });
  });

  it('repeated values, even equal ones, in one field or several -> 400 (as llhttp and nginx)', () => {
    assertStatus(head('POST / HTTP/1.1', HOST, 'Content-Length: 5, 5'), 400);
    assertStatus(head('POST / HTTP/1.1', HOST, 'Content-Length: 5,5,5'), 400);
    assertStatus(head('POST / HTTP/1.1', HOST, 'Content-Length: 5', 'content-length: 5'), 400);
  });

  it('differing values -> 400', () => {
    assertStatus(head('POST / HTTP/1.1', HOST, 'Content-Length: 5, 6'), 400);
    assertStatus(head('POST / HTTP/1.1', HOST, 'Content-Length: 5', 'Content-Length: 6'), 400);
  });

  it('non-numeric, signed or empty values -> 400', () => {
    for (const value of ['abc', '-1', '+5', '0x5', '', '5 5', '1e3', '5,', ',5', '5.0', '5, abc']) {
      assertStatus(head('POST / HTTP/1.1', HOST, `Content-Length: ${value}`), 400);
    }
  });

  it('a huge but well-formed length is a body over the limit: 413, not 400 (docs/protocol.md)', () => {
    // 15 digits frame a length the connection refuses with 413; one digit more must not turn
    // the same "too large" into "malformed". Either the parser says 413 itself or it hands
    // the connection a length over the body limit.
    for (const value of ['999999999999999', '9999999999999999', '99999999999999999999999']) {
      let result: number | RequestHead['bodyFraming'];
      try {
        result = parse(head('POST / HTTP/1.1', HOST, `Content-Length: ${value}`)).bodyFraming;
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        result = error.status;
      }
      const tooLarge = result === 413 || (typeof result === 'object' && result.kind === 'length' && result.length > DEFAULT_LIMITS.maxBodyBytes);
      assert.ok(tooLarge, `Content-Length: ${value} gave ${JSON.stringify(result)}`);
    }
  });
});

describe('Transfer-Encoding (RFC 9112 sections 6.1 and 6.3)', () => {
  it('chunked (any case) frames the body', () => {
    for (const value of ['chunked', 'Chunked', 'CHUNKED', ' chunked ']) {
      assert.deepEqual(parse(head('POST / HTTP/1.1', HOST, `Transfer-Encoding:${value}`)).bodyFraming, { kind: 'chunked' });
    }
  });

  it('with Content-Length -> 400 and close, in either order', () => {
    for (const lines of [
      ['Transfer-Encoding: chunked', 'Content-Length: 5'],
      ['Content-Length: 5', 'Transfer-Encoding: chunked'],
      ['Content-Length: 0', 'Transfer-Encoding: chunked'],
    ]) {
      try {
        parse(head('POST / HTTP/1.1', HOST, ...lines));
        assert.fail('should have thrown');
      } catch (error) {
        assert.ok(error instanceof HttpError);
        assert.equal(error.status, 400);
        assert.equal(error.options.close, true);
      }
    }
  });

  it('an unknown coding -> 501', () => {
    for (const value of ['gzip', 'foo', 'gzip, chunked', 'identity']) {
      assertStatus(head('POST / HTTP/1.1', HOST, `Transfer-Encoding: ${value}`), 501);
    }
  });

  it('chunked twice -> 400', () => {
    assertStatus(head('POST / HTTP/1.1', HOST, 'Transfer-Encoding: chunked, chunked'), 400);
    assertStatus(head('POST / HTTP/1.1', HOST, 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'), 400);
  });

  it('chunked that is not the final coding -> 400 (RFC 9112 section 6.3 point 4: MUST)', () => {
    // The framing cannot be determined, whatever the coding after it: 400 and close.
    assertStatus(head('POST / HTTP/1.1', HOST, 'Transfer-Encoding: chunked, gzip'), 400);
  });

  it('an empty Transfer-Encoding -> 400 (chunked is not the final coding)', () => {
    assertStatus(head('POST / HTTP/1.1', HOST, 'Transfer-Encoding:'), 400);
  });

  it('in HTTP/1.0 -> 400 (the framing is faulty)', () => {
    assertStatus(head('POST / HTTP/1.0', 'Transfer-Encoding: chunked'), 400);
  });

  it('look-alikes of chunked -> 400 and close, as llhttp (RFC 9112 section 7: chunked has no parameters)', () => {
    for (const value of ['chunked;q=1', 'chunked;', 'chunked ; x=y', 'chunked,', 'chunked , ', 'chunked \t', 'chunked\t', 'gzip;q=1, chunked;a=b', 'chunked;, chunked']) {
      try {
        parse(head('POST / HTTP/1.1', HOST, `Transfer-Encoding: ${value}`));
        assert.fail(`should have thrown for ${JSON.stringify(value)}`);
      } catch (error) {
        assert.ok(error instanceof HttpError, JSON.stringify(value));
        assert.equal(error.status, 400, JSON.stringify(value));
        assert.equal(error.options.close, true);
      }
    }
  });

  it('leading empty list elements and a trailing space are fine, as llhttp (list syntax, OWS)', () => {
    for (const value of [',chunked', ', chunked', 'chunked ', '\tchunked']) {
      assert.deepEqual(parse(head('POST / HTTP/1.1', HOST, `Transfer-Encoding: ${value}`)).bodyFraming, { kind: 'chunked' }, JSON.stringify(value));
    }
  });
});

describe('Fragments in the request-target', () => {
  it('are ignored, as nginx does: the path and query end before #', () => {
    assert.equal(parse(head('GET /a/b.html?x=1#top HTTP/1.1', HOST)).pathAndQuery, '/a/b.html?x=1');
    assert.equal(parse(head('GET /a#b?c HTTP/1.1', HOST)).pathAndQuery, '/a');
    assert.equal(parse(head('GET http://h.example/p?q#f HTTP/1.1', HOST)).pathAndQuery, '/p?q');
  });
});

describe('Connection and Expect', () => {
  const keepAlive = (version: string, ...lines: string[]): boolean => parse(head(`GET / ${version}`, HOST, ...lines)).keepAlive;

  it('HTTP/1.1 persists unless close', () => {
    assert.equal(keepAlive('HTTP/1.1'), true);
    assert.equal(keepAlive('HTTP/1.1', 'Connection: keep-alive'), true);
    assert.equal(keepAlive('HTTP/1.1', 'Connection: close'), false);
    assert.equal(keepAlive('HTTP/1.1', 'Connection: Close'), false);
    assert.equal(keepAlive('HTTP/1.1', 'Connection: Upgrade, close'), false);
    assert.equal(keepAlive('HTTP/1.1', 'Connection: keep-alive', 'Connection: close'), false);
  });

  it('HTTP/1.0 closes unless keep-alive', () => {
    assert.equal(keepAlive('HTTP/1.0'), false);
    assert.equal(keepAlive('HTTP/1.0', 'Connection: keep-alive'), true);
    assert.equal(keepAlive('HTTP/1.0', 'Connection: Keep-Alive'), true);
    assert.equal(keepAlive('HTTP/1.0', 'Connection: keep-alive, close'), false);
    assert.equal(keepAlive('HTTP/1.0', 'Connection: close'), false);
  });

  it('Expect: 100-continue in HTTP/1.1 (any case); ignored in HTTP/1.0', () => {
    assert.equal(parse(head('PUT / HTTP/1.1', HOST, 'Expect: 100-continue', 'Content-Length: 3')).expectContinue, true);
    assert.equal(parse(head('PUT / HTTP/1.1', HOST, 'Expect: 100-Continue', 'Content-Length: 3')).expectContinue, true);
    assert.equal(parse(head('PUT / HTTP/1.1', HOST, 'Content-Length: 3')).expectContinue, false);
    assert.equal(parse(head('PUT / HTTP/1.0', 'Expect: 100-continue', 'Content-Length: 3')).expectContinue, false);
  });

  it('any other expectation -> 417', () => {
    assertStatus(head('PUT / HTTP/1.1', HOST, 'Expect: something-else'), 417);
  });
});

describe('limits', () => {
  const SMALL: HttpLimits = { ...DEFAULT_LIMITS, maxUriBytes: 32, maxHeaderBytes: 64, maxHeaderFields: 4 };

  it('a target of maxUriBytes is served, one byte more -> 414', () => {
    const exact = `/${'a'.repeat(DEFAULT_LIMITS.maxUriBytes - 1)}`;
    assert.equal(parse(head(`GET ${exact} HTTP/1.1`, HOST)).target, exact);
    assertStatus(head(`GET ${exact}a HTTP/1.1`, HOST), 414);
    assertStatus(head(`GET /${'a'.repeat(SMALL.maxUriBytes)} HTTP/1.1`, HOST), 414, SMALL);
  });

  it('maxHeaderFields fields are served, one more -> 431', () => {
    const fields = (n: number): string[] => [HOST, ...Array.from({ length: n - 1 }, (_, i) => `X-F${i}: v`)];
    assert.equal(parse(head('GET / HTTP/1.1', ...fields(DEFAULT_LIMITS.maxHeaderFields))).fields.list.length, 100);
    assertStatus(head('GET / HTTP/1.1', ...fields(DEFAULT_LIMITS.maxHeaderFields + 1)), 431);
  });

  it('a header section over maxHeaderBytes -> 431 from parseRequestHead', () => {
    assertStatus(head('GET / HTTP/1.1', HOST, `X-Big: ${'v'.repeat(DEFAULT_LIMITS.maxHeaderBytes)}`), 431);
    assertStatus(head('GET / HTTP/1.1', HOST, `X-Big: ${'v'.repeat(DEFAULT_LIMITS.maxHeaderBytes - 100)}`), 'ok');
    assertStatus(head('GET / HTTP/1.1', HOST, `X-Big: ${'v'.repeat(SMALL.maxHeaderBytes)}`), 431, SMALL);
  });

  it('a header section exactly at maxHeaderBytes is served (CRLF and LF)', () => {
    // The field lines (with their line ends) add up to exactly maxHeaderBytes.
    const host = 'Host: a\r\n';
    const filler = (lineEnd: string, size: number): string => `X: ${'v'.repeat(size - host.length - 3 - lineEnd.length)}${lineEnd}`;
    const crlf = `GET / HTTP/1.1\r\n${host}${filler('\r\n', SMALL.maxHeaderBytes)}\r\n`;
    assertStatus(crlf, 'ok', SMALL);
    const over = `GET / HTTP/1.1\r\n${host}${filler('\r\n', SMALL.maxHeaderBytes + 1)}\r\n`;
    assertStatus(over, 431, SMALL);
  });

  it('checkIncompleteHead: 431 once the unfinished header section is past the limit', () => {
    const prefix = 'GET / HTTP/1.1\r\nHost: a\r\nX-Big: ';
    assert.equal(incompleteOutcome(prefix, SMALL), 'ok');
    assert.equal(incompleteOutcome(`${prefix}${'v'.repeat(SMALL.maxHeaderBytes)}`, SMALL), 431);
    assert.equal(incompleteOutcome(`${prefix}${'v'.repeat(DEFAULT_LIMITS.maxHeaderBytes)}`, DEFAULT_LIMITS), 431);
    assert.equal(incompleteOutcome(`${prefix}${'v'.repeat(1000)}`, DEFAULT_LIMITS), 'ok');
  });

  it('checkIncompleteHead: 414 for a request line that cannot fit a maximal target', () => {
    assert.equal(incompleteOutcome(`GET /${'a'.repeat(SMALL.maxUriBytes)}`, SMALL), 'ok');
    assert.equal(incompleteOutcome(`GET /${'a'.repeat(SMALL.maxUriBytes + 100)}`, SMALL), 414);
    assert.equal(incompleteOutcome(`GET /${'a'.repeat(DEFAULT_LIMITS.maxUriBytes + 100)}`, DEFAULT_LIMITS), 414);
    assert.equal(incompleteOutcome(`GET /${'a'.repeat(DEFAULT_LIMITS.maxUriBytes)}`, DEFAULT_LIMITS), 'ok');
  });

  it('checkIncompleteHead honours start and end', () => {
    const buf = Buffer.from(`${'x'.repeat(500)}GET / HTTP/1.1\r\nHost: a\r\n`, 'latin1');
    assert.doesNotThrow(() => checkIncompleteHead(buf, 500, buf.length, SMALL));
    assert.doesNotThrow(() => checkIncompleteHead(buf, 500, 510, SMALL));
  });

  it('a head exactly at the limit is not refused when its final LF arrives in a later packet', () => {
    const text = `GET / HTTP/1.1\r\nHost: a\r\nX: ${'v'.repeat(SMALL.maxHeaderBytes - 9 - 5)}\r\n\r\n`;
    assertStatus(text, 'ok', SMALL);
    // The connection has everything but the last byte: no head end yet, so it checks the limits.
    assert.equal(incompleteOutcome(text.slice(0, -1), SMALL), 'ok');
  });

  it('an LF-only head is measured like a CRLF one: served whole -> not refused in pieces', () => {
    // Field lines of maxHeaderBytes + 1 bytes, LF line ends.
    const text = `GET / HTTP/1.1\nHost: a\nX: ${'v'.repeat(SMALL.maxHeaderBytes + 1 - 8 - 4)}\n\n`;
    const whole = outcome(text, SMALL);
    const inPieces = incompleteOutcome(text.slice(0, -1), SMALL);
    assert.equal(inPieces, whole, 'the same head must get the same answer however it is cut');
  });

  it('a head that is served when it arrives whole is never refused while its end is still in flight', () => {
    // Whether a request is refused must not depend on how TCP cut it into segments: the
    // connection calls checkIncompleteHead on every prefix that has no head end yet.
    const SIZE_LIMITS: HttpLimits = { ...DEFAULT_LIMITS, maxHeaderBytes: 64, maxHeaderFields: 100 };
    const lineEnd = fc.constantFrom('\r\n', '\n');
    const fieldLine = fc.tuple(fc.stringMatching(/^X-[A-Za-z]{0,6}$/), fc.stringMatching(/^[a-z ]{0,40}$/), lineEnd).map(([name, value, eol]) => `${name}: ${value}${eol}`);
    fc.assert(
      fc.property(fc.array(fieldLine, { maxLength: 6 }), lineEnd, lineEnd, (fieldLines, firstEol, lastEol) => {
        const text = `GET / HTTP/1.1${firstEol}Host: a${firstEol}${fieldLines.join('')}${lastEol}`;
        fc.pre(outcome(text, SIZE_LIMITS) === 'ok');
        const buf = Buffer.from(text, 'latin1');
        for (let cut = 1; cut < buf.length; cut++) {
          if (findHeadEnd(buf, 0, cut) !== -1) continue;
          const status = (() => {
            try {
              checkIncompleteHead(buf, 0, cut, SIZE_LIMITS);
              return 'ok';
            } catch (error) {
              return error instanceof HttpError ? error.status : 'threw';
            }
          })();
          assert.equal(status, 'ok', `refused after ${cut} of ${buf.length} bytes of ${JSON.stringify(text)}`);
        }
      }),
      { seed: 9112, numRuns: 300 },
    );
  });
});

describe('findHeadEnd', () => {
  const end = (text: string, start = 0, stop?: number): number => {
    const buf = Buffer.from(text, 'latin1');
    return findHeadEnd(buf, start, stop ?? buf.length);
  };

  it('finds CRLFCRLF, LFLF and the mixed forms', () => {
    assert.equal(end('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), 27);
    assert.equal(end('GET / HTTP/1.1\nHost: a\n\n'), 24);
    assert.equal(end('GET / HTTP/1.1\r\nHost: a\n\r\n'), 26);
    assert.equal(end('GET / HTTP/1.1\r\nHost: a\r\n\n'), 26);
    assert.equal(end('GET / HTTP/1.0\r\n\r\n'), 18);
  });

  it('returns -1 while the head is incomplete', () => {
    for (const text of ['', 'GET', 'GET / HTTP/1.1\r\n', 'GET / HTTP/1.1\r\nHost: a\r\n', 'GET / HTTP/1.1\r\nHost: a\r\n\r', 'GET / HTTP/1.1\r\r\n', 'a\n\r\rb']) {
      assert.equal(end(text), -1, JSON.stringify(text));
    }
  });

  it('stops at the first empty line, leaving the body and pipelined bytes', () => {
    assert.equal(end('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n'), 47);
  });

  it('honours start and end', () => {
    const text = 'GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n';
    assert.equal(end(text, 0), 19);
    assert.equal(end(text, 19), text.length);
    assert.equal(end(text, 19, text.length - 1), -1, 'the final LF is past end');
    assert.equal(end(text, 0, 18), -1);
  });

  const samples = [
    'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
    'GET / HTTP/1.1\nHost: a\n\n',
    'GET / HTTP/1.1\r\nHost: a\n\r\n',
    'GET / HTTP/1.1\nHost: a\r\n\n',
    'GET / HTTP/1.1\r\nX: \r\r\nHost: a\r\n\r\nBODY\r\n\r\n',
    'GET / HTTP/1.1\r\n\r\n',
    'A\n\n',
  ];

  it('split at every byte position, resuming with `from`, finds the same end', () => {
    for (const text of samples) {
      const buf = Buffer.from(text, 'latin1');
      const whole = findHeadEnd(buf, 0, buf.length);
      assert.notEqual(whole, -1);
      for (let cut = 0; cut <= buf.length; cut++) {
        const first = findHeadEnd(buf, 0, cut);
        if (first !== -1) {
          assert.equal(first, whole, `cut ${cut} of ${JSON.stringify(text)}`);
          continue;
        }
        assert.equal(findHeadEnd(buf, 0, buf.length, cut), whole, `cut ${cut} of ${JSON.stringify(text)}`);
      }
    }
  });

  it('fed one byte at a time, resuming each time, finds the same end', () => {
    for (const text of samples) {
      const buf = Buffer.from(`xyz${text}`, 'latin1');
      const whole = findHeadEnd(buf, 3, buf.length);
      let found = -1;
      let from = 3;
      for (let stop = 3; stop <= buf.length && found === -1; stop++) {
        found = findHeadEnd(buf, 3, stop, from);
        from = stop;
      }
      assert.equal(found, whole, JSON.stringify(text));
    }
  });

  it('property: resuming after any cut equals one search over all the bytes', () => {
    const bytes = fc.array(fc.constantFrom('a', ' ', ':', '\r', '\n'), { maxLength: 40 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(bytes, fc.nat(), fc.nat(), (text, a, b) => {
        const buf = Buffer.from(text, 'latin1');
        const start = buf.length === 0 ? 0 : a % buf.length;
        const cut = start + (buf.length - start === 0 ? 0 : b % (buf.length - start + 1));
        const whole = findHeadEnd(buf, start, buf.length);
        const first = findHeadEnd(buf, start, cut);
        const resumed = first !== -1 ? first : findHeadEnd(buf, start, buf.length, cut);
        assert.equal(resumed, whole);
        // The end found is a real empty line: LF LF or LF CR LF just before it.
        if (whole !== -1) {
          const tail = buf.toString('latin1', Math.max(start, whole - 3), whole);
          assert.ok(tail.endsWith('\n\n') || tail.endsWith('\n\r\n'), JSON.stringify(tail));
        }
      }),
      { seed: 4242, numRuns: 2000 },
    );
  });
});
