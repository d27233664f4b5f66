/**
 * The certificate --tls-self-signed writes in DER by hand: parsed back by node:crypto and
 * OpenSSL's view of it (names, validity, key usage), and usable by a TLS client that trusts it.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { certificateFingerprint, localCertificateNames, makeSelfSignedCertificate } from '../../src/net/self-signed-certificate.js';

describe('makeSelfSignedCertificate', () => {
  test('names every DNS name and IP address asked for, IPv6 included', () => {
    const names = ['localhost', 'dev.example.test', '127.0.0.1', '::1', 'fd00:1:2::ab', '10.1.2.3'];
    const x509 = new X509Certificate(makeSelfSignedCertificate(names).cert);
    assert.equal(x509.subjectAltName, 'DNS:localhost, DNS:dev.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:FD00:1:2:0:0:0:0:AB, IP Address:10.1.2.3');
    assert.ok(x509.checkHost('dev.example.test'));
    assert.ok(x509.checkIP('fd00:1:2::ab'));
    assert.equal(x509.checkHost('other.example.test'), undefined);
  });

  test('is valid from an hour ago for 30 days, signed by its own key, with a positive random serial', () => {
    const now = new Date('2030-06-01T12:00:00Z');
    const a = makeSelfSignedCertificate(['localhost'], now);
    const b = makeSelfSignedCertificate(['localhost'], now);
    const x509 = new X509Certificate(a.cert);
    assert.equal(new Date(x509.validFrom).toISOString(), '2030-06-01T11:00:00.000Z');
    assert.equal(new Date(x509.validTo).toISOString(), '2030-07-01T12:00:00.000Z');
    assert.ok(x509.verify(x509.publicKey), 'self-signed');
    assert.equal(x509.issuer, x509.subject);
    assert.match(x509.serialNumber, /^[0-7][0-9A-F]{31}$/);
    assert.notEqual(x509.serialNumber, new X509Certificate(b.cert).serialNumber);
    assert.notEqual(certificateFingerprint(a.cert), certificateFingerprint(b.cert));
    assert.equal(x509.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), true, 'for TLS servers');
  });
});

describe('localCertificateNames', () => {
  test('localhost and loopback always; the machine name; --host only when it is a specific address', () => {
    assert.deepEqual(localCertificateNames('0.0.0.0').slice(0, 3), ['localhost', '127.0.0.1', '::1']);
    assert.ok(localCertificateNames('::').includes(hostname().toLowerCase()));
    assert.ok(localCertificateNames('192.168.1.20').includes('192.168.1.20'));
    assert.ok(!localCertificateNames('0.0.0.0').includes('0.0.0.0'));
  });
});
