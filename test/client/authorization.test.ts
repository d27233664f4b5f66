/**
 * The client side of HTTP authentication for `porta get -u`: reading WWW-Authenticate
 * challenges (several per field) and the Digest response, checked against RFC 7616's own
 * examples (§3.9.1).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenges } from '../../src/client/auth-challenges.js';
import { basicAuthorization, chooseDigest, digestAuthorization, type DigestChallenge } from '../../src/client/authorization.js';

describe('parseChallenges', () => {
  it('reads several challenges in one field, quoted strings with commas and escapes', () => {
    const challenges = parseChallenges('Basic realm="a, b", Digest realm="x\\"y", nonce=abc, qop="auth,auth-int", Negotiate tok68==, Bearer');
    assert.deepEqual(
      challenges.map((c) => [c.scheme, Object.fromEntries(c.params)]),
      [
        ['basic', { realm: 'a, b' }],
        ['digest', { realm: 'x"y', nonce: 'abc', qop: 'auth,auth-int' }],
        ['negotiate', {}],
        ['bearer', {}],
      ],
    );
  });

  it('drops what it cannot read instead of throwing', () => {
    assert.deepEqual(parseChallenges('Digest realm="unterminated').map((c) => c.scheme), ['digest']);
    assert.deepEqual(parseChallenges('"no scheme"'), []);
    assert.deepEqual(parseChallenges(''), []);
  });
});

describe('chooseDigest', () => {
  it('prefers SHA-256 over MD5, and explains what it cannot answer', () => {
    const both = parseChallenges('Digest realm="r", nonce="n1", algorithm=MD5, qop="auth", Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"');
    assert.equal((chooseDigest(both) as DigestChallenge).nonce, 'n2');
    assert.match(String(chooseDigest(parseChallenges('Digest realm="r", nonce="n", algorithm=SHA-512-256'))), /algorithm SHA-512-256, which porta get does not support/);
    assert.match(String(chooseDigest(parseChallenges('Digest realm="r", nonce="n", qop="auth-int"'))), /qop=auth-int/);
    assert.equal(chooseDigest(parseChallenges('Basic realm="r"')), undefined);
  });
});

describe('digestAuthorization (RFC 7616 §3.9.1)', () => {
  const request = { user: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
  const challenge = (algorithm: 'MD5' | 'SHA-256'): DigestChallenge => ({
    realm: 'http-auth@example.org',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    algorithm,
    qop: 'auth',
    userhash: false,
  });

  it('computes the MD5 and SHA-256 responses of the RFC', () => {
    assert.match(digestAuthorization(challenge('MD5'), request), /response="8ca523f5e9506fed4657c9700eebdbec"/);
    assert.match(digestAuthorization(challenge('SHA-256'), request), /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/);
  });

  it('sends every parameter the server needs, quoted where RFC 7616 quotes them', () => {
    assert.equal(
      digestAuthorization(challenge('MD5'), request),
      'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
        'response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
  });

  it('hashes the user name with userhash, and uses username* for a name a quoted-string cannot carry', () => {
    assert.match(digestAuthorization({ ...challenge('SHA-256'), userhash: true }, request), /^Digest username="[0-9a-f]{64}", .*userhash=true$/);
    assert.match(digestAuthorization(challenge('MD5'), { ...request, user: 'Jäsøn' }), /^Digest username\*=UTF-8''J%C3%A4s%C3%B8n, /);
  });

  it('Basic is user:password in base64 (UTF-8)', () => {
    assert.equal(basicAuthorization('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });
});
