/**
 * The control-file parser (docs/serve.md, authentication) and the Authorization / auth-param parser
 * (RFC 9110 section 11, RFC 7616 section 3.4), the latter property-based: no input makes it
 * throw, and well-formed parameter lists come back exactly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseAuthorization, parseAuthParams, quoteString } from '../../src/site/auth/authorization.js';
import { ControlFileError, parseControlFile } from '../../src/site/auth/control-file.js';
import { NonceCounts } from '../../src/site/auth/nonce-counts.js';
import { checkNonce, makeNonce, newIssuer, NONCE_LIFETIME_MS } from '../../src/site/auth/nonces.js';
import { md5, sha256 } from '../helpers/auth-client.js';

describe('control file parser', () => {
  test('Basic with users, comments, blank lines, CRLF and grants, in any order', () => {
    const text = `# team\r\nalice:${md5('pw')}\r\n\r\nALLOW-DELETE\nrealm="The \\"Team\\""\n  authorization-type = basic \nALLOW-PUT\n`;
    const rules = parseControlFile(text, 'f');
    assert.equal(rules.scheme, 'Basic');
    assert.equal(rules.realm, 'The "Team"');
    assert.equal(rules.users.get('alice'), md5('pw'));
    assert.equal(rules.allowPut, true);
    assert.equal(rules.allowDelete, true);
  });

  test('Digest: MD5 or SHA-256 by hash length; lines for other realms never match', () => {
    const md = parseControlFile(`authorization-type=Digest\nrealm="R"\nbob:R:${md5('x')}\nbob:Other:${md5('y')}\n`, 'f');
    assert.equal(md.algorithm, 'MD5');
    assert.equal(md.users.get('bob'), md5('x'));
    assert.equal(md.allowPut, false);
    const sha = parseControlFile(`authorization-type=Digest\nrealm="R"\nbob:R:${sha256('x').toUpperCase()}\n`, 'f');
    assert.equal(sha.algorithm, 'SHA-256');
    assert.equal(sha.users.get('bob'), sha256('x'));
  });

  const malformed: Array<[string, number, RegExp]> = [
    ['authorization-type=Basic\nrealm="R"\nalice\n', 3, /not a control-file line/],
    ['authorization-type=Basic\nrealm=R\n', 2, /quoted/],
    ['authorization-type=Basic\nrealm="R" trailing\n', 2, /quoted/],
    ['authorization-type=Kerberos\nrealm="R"\n', 1, /Basic or Digest/],
    ['authorization-type=Basic\nauthorization-type=Basic\nrealm="R"\n', 2, /twice/],
    ['authorization-type=Basic\nrealm="R"\nalice:abc\n', 3, /no format porta reads/],
    [`authorization-type=Basic\nrealm="R"\nalice:R:${md5('x')}\n`, 3, /Basic user line/],
    [`authorization-type=Basic\nrealm="R"\nalice:${md5('x')}\nalice:${md5('y')}\n`, 4, /twice/],
    [`authorization-type=Digest\nrealm="R"\nbob:${md5('x')}\n`, 3, /Digest user line/],
    [`authorization-type=Digest\nrealm="R"\nbob:R:${md5('x')}\ncarl:R:${sha256('y')}\n`, 4, /mixed/],
    ['realm="R"\n', 0, /authorization-type/],
    ['authorization-type=Digest\n', 0, /realm/],
  ];
  for (const [text, line, problem] of malformed) {
    test(`refuses ${JSON.stringify(text.split('\n')[line > 0 ? line - 1 : 0])} at line ${line}`, () => {
      assert.throws(
        () => parseControlFile(text, '/site/dir/WeMustProtectThisHouse!'),
        (error: unknown) => error instanceof ControlFileError && error.line === line && problem.test(error.message) && error.message.startsWith('/site/dir/WeMustProtectThisHouse!'),
      );
    });
  }

  test('property: any text either parses or throws a ControlFileError, nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        try {
          parseControlFile(text, 'f');
        } catch (error) {
          assert.ok(error instanceof ControlFileError, String(error));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Authorization parser', () => {
  test('Basic token68 and Digest parameters', () => {
    const basic = parseAuthorization('Basic YWxpY2U6cHc=');
    assert.equal(basic?.scheme, 'basic');
    assert.equal(basic?.token68, 'YWxpY2U6cHc=');
    const digest = parseAuthorization('Digest username="a b", realm="R\\"x", nc=00000001 ,qop=auth,, uri="/p?q=1,2"');
    assert.equal(digest?.scheme, 'digest');
    assert.equal(digest?.params.get('username'), 'a b');
    assert.equal(digest?.params.get('realm'), 'R"x');
    assert.equal(digest?.params.get('nc'), '00000001');
    assert.equal(digest?.params.get('uri'), '/p?q=1,2');
  });

  test('malformed values are undefined, not errors', () => {
    for (const value of ['', ' ', 'Digest username="unterminated', 'Digest a=b c=d', 'Digest =x', 'Digest a=b, a=c', 'Bä sic x', 'Digest a="x"junk', 'Digest a=b@c']) {
      const parsed = parseAuthorization(value);
      assert.ok(parsed === undefined || parsed.scheme !== 'digest' || parsed.params.size === 0 || value === '', `${value}: ${JSON.stringify(parsed)}`);
    }
    assert.equal(parseAuthParams('a="x"junk'), undefined);
    assert.equal(parseAuthParams('a=b, a=c'), undefined);
  });

  test('property: no input makes it throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        parseAuthorization(value);
        parseAuthParams(value);
      }),
      { numRuns: 2000 },
    );
  });

  const tokenChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+-.^_`|~'.split(''));
  const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 });
  const ows = fc.constantFrom('', ' ', '\t', '  ');

  test('property: a list of token=token / token="quoted" parameters comes back exactly', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(token, fc.oneof(token.map((v) => ({ v, quoted: false })), fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((v) => ({ v, quoted: true })))), {
          minLength: 1,
          maxLength: 8,
          selector: ([name]) => name.toLowerCase(),
        }),
        ows,
        ows,
        (params, before, after) => {
          const text = params.map(([name, { v, quoted }]) => `${name}${before}=${after}${quoted ? quoteString(v) : v}`).join(`${after},${before}`);
          const parsed = parseAuthorization(`Digest ${text}`);
          assert.ok(parsed !== undefined, text);
          assert.equal(parsed.params.size, params.length, text);
          for (const [name, { v }] of params) assert.equal(parsed.params.get(name.toLowerCase()), v, text);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Digest nonces', () => {
  const secret = Buffer.from('k');
  const issuer = newIssuer();
  test('a nonce is valid for its realm and secret, stale after its lifetime, invalid otherwise', () => {
    const now = Date.now();
    const nonce = makeNonce(secret, 'R', now, issuer);
    assert.equal(checkNonce(secret, 'R', nonce, now, issuer).kind, 'valid');
    assert.equal(checkNonce(secret, 'R', nonce, now + NONCE_LIFETIME_MS + 1, issuer).kind, 'stale');
    assert.equal(checkNonce(secret, 'Other', nonce, now, issuer).kind, 'invalid');
    assert.equal(checkNonce(Buffer.from('j'), 'R', nonce, now, issuer).kind, 'invalid');
    assert.equal(checkNonce(secret, 'R', `${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`, now, issuer).kind, 'invalid');
    assert.equal(checkNonce(secret, 'R', 'short', now, issuer).kind, 'invalid');
  });

  test('a nonce another process issued (another worker, a restart) is stale here, never counted', () => {
    const now = Date.now();
    const nonce = makeNonce(secret, 'R', now, newIssuer());
    assert.equal(checkNonce(secret, 'R', nonce, now, issuer).kind, 'stale');
  });

  test('two challenges in the same millisecond get different nonces', () => {
    const now = Date.now();
    assert.notEqual(makeNonce(secret, 'R', now, issuer), makeNonce(secret, 'R', now, issuer));
  });

  test('counts: first 1, then each next number; replays, skips and another user refused', () => {
    const counts = new NonceCounts({ maxNonces: 4 });
    const now = Date.now();
    assert.equal(counts.accept('u', 'n', 2, now, now), false);
    assert.equal(counts.accept('u', 'n', 1, now, now), true);
    assert.equal(counts.accept('u', 'n', 1, now, now), false);
    assert.equal(counts.accept('u', 'n', 3, now, now), false);
    assert.equal(counts.accept('v', 'n', 2, now, now), false);
    assert.equal(counts.accept('u', 'n', 2, now, now), true);
  });

  test('a full table makes room without ever accepting a used nonce again', () => {
    const max = 20;
    const counts = new NonceCounts({ maxNonces: max });
    const now = Date.now();
    // Another user's request, captured: its nonce was used once, at count 1.
    assert.equal(counts.accept('victim', 'v1', 1, now - 1000, now), true);
    // A valid user burns many live nonces, far past the table's size.
    for (let i = 0; i < 10 * max; i++) assert.equal(counts.accept('burner', `burn-${i}`, 1, now - 999 + i, now), true);
    assert.ok(counts.size <= max, `${counts.size} nonces kept, at most ${max}`);
    // The captured request replayed: refused, whatever the table forgot meanwhile.
    assert.equal(counts.accept('victim', 'v1', 1, now - 1000, now), false);
    assert.equal(counts.accept('victim', 'v1', 2, now - 1000, now), false);
    // The newest nonces are still counted.
    assert.equal(counts.accept('burner', `burn-${10 * max - 1}`, 2, now - 999 + 10 * max - 1, now), true);
  });

  test('expired nonces leave the table first', () => {
    const counts = new NonceCounts({ maxNonces: 4 });
    const now = Date.now();
    const old = now - NONCE_LIFETIME_MS - 1;
    for (let i = 0; i < 4; i++) assert.equal(counts.accept('u', `old-${i}`, 1, old, old), true);
    assert.equal(counts.accept('u', 'new', 1, now, now), true);
    assert.equal(counts.size, 1);
  });
});
