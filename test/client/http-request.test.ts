import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientFailure } from '../../src/client/client-failure.js';
import { redirectFields, redirectMethod, redirectTarget } from '../../src/client/http-redirect.js';
import { checkMethod, formatRequestHead, parseFieldArgument, requestFields } from '../../src/client/http-request.js';
import { parseHttpUrl } from '../../src/client/http-target.js';
import { PORTA_VERSION } from '../../src/version.js';

describe('parseHttpUrl', () => {
  it('splits a URL into connect address, Host field and request-target', () => {
    const target = parseHttpUrl('http://example.test:8080/a%20b/c?x=1&y=2#frag');
    assert.equal(target.hostname, 'example.test');
    assert.equal(target.port, 8080);
    assert.equal(target.hostField, 'example.test:8080');
    assert.equal(target.requestTarget, '/a%20b/c?x=1&y=2');
  });

  it('handles IPv6 literals: no brackets to connect, brackets in Host', () => {
    const target = parseHttpUrl('http://[::1]:8080/');
    assert.equal(target.hostname, '::1');
    assert.equal(target.hostField, '[::1]:8080');
  });

  it('defaults to port 80, path /, and http:// when no scheme is given', () => {
    const target = parseHttpUrl('localhost');
    assert.equal(target.url.href, 'http://localhost/');
    assert.equal(target.port, 80);
    assert.equal(target.hostField, 'localhost');
    assert.equal(target.requestTarget, '/');
    assert.equal(parseHttpUrl('localhost:9000/x').port, 9000);
  });

  it('takes https (TLS, port 443 by default) and refuses other schemes and nonsense', () => {
    const secure = parseHttpUrl('https://example.test/x');
    assert.equal(secure.secure, true);
    assert.equal(secure.port, 443);
    assert.equal(secure.hostField, 'example.test');
    assert.equal(parseHttpUrl('http://example.test/').secure, false);
    assert.throws(() => parseHttpUrl('ftp://example.test/'), /unsupported scheme 'ftp'/);
    assert.throws(() => parseHttpUrl('http://exa mple/'), ClientFailure);
  });

  it('takes credentials from the URL but never into Host', () => {
    const target = parseHttpUrl('http://al%20ice:s3cr%3At@example.test/');
    assert.deepEqual(target.credentials, { user: 'al ice', password: 's3cr:t' });
    assert.equal(target.hostField, 'example.test');
  });
});

describe('request head', () => {
  const target = parseHttpUrl('http://[::1]:8080/path?q');

  it('sends the request line and the default fields, Host first', () => {
    const head = formatRequestHead('GET', target, requestFields('GET', target, []));
    assert.equal(
      head,
      `GET /path?q HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: porta/${PORTA_VERSION}\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    );
  });

  it('lets -H replace a default, remove one with an empty value, and add new ones', () => {
    const fields = requestFields('GET', target, [
      { name: 'accept', value: 'text/plain' },
      { name: 'User-Agent', value: '' },
      { name: 'X-Extra', value: '1' },
    ]);
    assert.deepEqual(
      fields.map((f) => `${f.name}: ${f.value}`),
      ['Host: [::1]:8080', 'accept: text/plain', 'Connection: close', 'X-Extra: 1'],
    );
  });

  it('announces empty content for POST and Basic credentials from the URL', () => {
    const fields = requestFields('POST', parseHttpUrl('http://u:p@h/'), []);
    assert.ok(fields.some((f) => f.name === 'Content-Length' && f.value === '0'));
    assert.ok(fields.some((f) => f.name === 'Authorization' && f.value === `Basic ${Buffer.from('u:p').toString('base64')}`));
  });

  it('parses -H arguments and refuses header injection', () => {
    assert.deepEqual(parseFieldArgument('X-A:  b c '), { name: 'X-A', value: 'b c' });
    assert.deepEqual(parseFieldArgument('Accept:'), { name: 'Accept', value: '' });
    assert.throws(() => parseFieldArgument('no colon'), /is not a header field/);
    assert.throws(() => parseFieldArgument('Bad Name: x'), /not a valid field name/);
    assert.throws(() => parseFieldArgument('X-A: b\r\nInjected: 1'), /CR, LF or NUL/);
  });

  it('accepts token methods only', () => {
    assert.equal(checkMethod('PROPFIND'), 'PROPFIND');
    assert.throws(() => checkMethod('GET /evil'), /not a valid method/);
  });
});

describe('redirects (RFC 9110 §15.4)', () => {
  const head = (status: number, location?: string) => ({
    version: '1.1',
    status,
    reason: '',
    fields: location === undefined ? [] : [{ name: 'Location', value: location }],
  });
  const base = new URL('http://a.test/dir/page?x');

  it('resolves relative Locations against the request URL', () => {
    assert.equal(redirectTarget(head(302, 'other'), base)?.href, 'http://a.test/dir/other');
    assert.equal(redirectTarget(head(301, '/root'), base)?.href, 'http://a.test/root');
    assert.equal(redirectTarget(head(307, '//b.test/x'), base)?.href, 'http://b.test/x');
    assert.equal(redirectTarget(head(308, 'http://c.test:81/'), base)?.href, 'http://c.test:81/');
  });

  it('does not treat other statuses or a missing Location as redirects', () => {
    assert.equal(redirectTarget(head(300, '/x'), base), undefined);
    assert.equal(redirectTarget(head(304, '/x'), base), undefined);
    assert.equal(redirectTarget(head(200, '/x'), base), undefined);
    assert.equal(redirectTarget(head(302), base), undefined);
  });

  it('changes the method as browsers do', () => {
    assert.equal(redirectMethod(303, 'POST'), 'GET');
    assert.equal(redirectMethod(303, 'HEAD'), 'HEAD');
    assert.equal(redirectMethod(302, 'POST'), 'GET');
    assert.equal(redirectMethod(307, 'POST'), 'POST');
    assert.equal(redirectMethod(308, 'PUT'), 'PUT');
  });

  it('keeps credentials on the same origin only', () => {
    const fields = [
      { name: 'Authorization', value: 'Basic x' },
      { name: 'Cookie', value: 'a=b' },
      { name: 'X-Other', value: '1' },
    ];
    assert.equal(redirectFields(fields, base, new URL('http://a.test/elsewhere')).length, 3);
    assert.deepEqual(redirectFields(fields, base, new URL('http://a.test:8080/')), [{ name: 'X-Other', value: '1' }]);
  });
});
