/** The CGI environment (RFC 3875 section 4.1): built from the request alone. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCgiEnvironment, type CgiRequestFacts } from '../../src/cgi/environment.js';
import { Fields } from '../../src/http/fields.js';

function facts(overrides: Partial<CgiRequestFacts>, fieldLines: ReadonlyArray<readonly [string, string]> = []): CgiRequestFacts {
  const fields = new Fields();
  for (const [name, value] of fieldLines) fields.add(name, value);
  return {
    serverSoftware: 'porta/1.2.3',
    authority: 'example.org:8080',
    localAddress: '10.0.0.1',
    localPort: 8080,
    remoteAddress: '10.0.0.2',
    remotePort: 40000,
    protocol: 'HTTP/1.1',
    method: 'GET',
    requestUri: '/a%20b/x.cgi?q',
    scriptName: '/a b/x.cgi',
    scriptFilename: '/srv/a b/x.cgi',
    pathInfo: '',
    queryString: 'q',
    authType: undefined,
    remoteUser: undefined,
    contentLength: undefined,
    fields,
    searchPath: '/usr/bin:/bin',
    ...overrides,
  };
}

describe('CGI environment', () => {
  test('server name and port from the Host the client named; SCRIPT_URI percent-encoded', () => {
    const env = buildCgiEnvironment(facts({}));
    assert.equal(env.SERVER_NAME, 'example.org');
    assert.equal(env.SERVER_PORT, '8080');
    assert.equal(env.SCRIPT_URI, 'http://example.org:8080/a%20b/x.cgi');
    assert.equal(env.SCRIPT_NAME, '/a b/x.cgi');
  });

  test('an IPv6 Host, and no Host at all (HTTP/1.0): the local address', () => {
    assert.equal(buildCgiEnvironment(facts({ authority: '[::1]:8080' })).SERVER_NAME, '::1');
    const bare = buildCgiEnvironment(facts({ authority: undefined, localAddress: '::1' }));
    assert.equal(bare.SERVER_NAME, '::1');
    assert.equal(bare.SCRIPT_URI, 'http://[::1]:8080/a%20b/x.cgi');
  });

  test('AUTH_TYPE, REMOTE_USER, CONTENT_* only when there is something to say', () => {
    const none = buildCgiEnvironment(facts({}));
    for (const name of ['AUTH_TYPE', 'REMOTE_USER', 'CONTENT_LENGTH', 'CONTENT_TYPE']) assert.equal(name in none, false, name);
    const some = buildCgiEnvironment(facts({ authType: 'Basic', remoteUser: 'ada', contentLength: 12 }, [['content-type', 'text/plain']]));
    assert.equal(some.AUTH_TYPE, 'Basic');
    assert.equal(some.REMOTE_USER, 'ada');
    assert.equal(some.CONTENT_LENGTH, '12');
    assert.equal(some.CONTENT_TYPE, 'text/plain');
    assert.equal('HTTP_CONTENT_TYPE' in some, false);
  });

  test('fields as HTTP_*: repeated ones joined, credentials, Proxy and odd names withheld, UTF-8 kept', () => {
    const env = buildCgiEnvironment(
      facts({}, [
        ['x-multi', 'a'],
        ['x-multi', 'b'],
        ['authorization', 'Basic secret'],
        ['proxy', 'http://evil/'],
        ['accept.language', 'x'],
        ['x-name', Buffer.from('Jürgen', 'utf8').toString('latin1')],
        ['path', '/evil'],
      ]),
    );
    assert.equal(env.HTTP_X_MULTI, 'a, b');
    assert.equal('HTTP_AUTHORIZATION' in env, false);
    assert.equal('HTTP_PROXY' in env, false);
    assert.equal('HTTP_ACCEPT_LANGUAGE' in env, false, "a name with '.' is dropped, as Apache drops it");
    assert.equal(env.HTTP_X_NAME, 'Jürgen');
    assert.equal(env.HTTP_PATH, '/evil');
    assert.equal(env.PATH, '/usr/bin:/bin', 'a field never replaces a variable of the server');
  });

  test("a name with '_' never becomes a variable, so it cannot pose as the field it resembles", () => {
    for (const order of [0, 1]) {
      const fields: Array<[string, string]> = [
        ['x_forwarded_for', '6.6.6.6'],
        ['x-forwarded-for', '192.0.2.7'],
      ];
      if (order === 1) fields.reverse();
      const env = buildCgiEnvironment(facts({}, fields));
      assert.equal(env.HTTP_X_FORWARDED_FOR, '192.0.2.7');
    }
    const alone = buildCgiEnvironment(facts({}, [['x_forwarded_for', '6.6.6.6']]));
    assert.equal('HTTP_X_FORWARDED_FOR' in alone, false);
  });
});
