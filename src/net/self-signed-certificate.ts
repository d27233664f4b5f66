/**
 * `--tls-self-signed`: a certificate made at start for local development, with nothing but
 * node:crypto. Node can make keys and sign bytes but has no X.509 builder, so the
 * certificate (RFC 5280 section 4.1) is written here in DER: an ECDSA P-256 key, a random
 * serial, CN=localhost, a short validity, and the names a developer types in a browser as
 * subjectAltName (section 4.2.1.6). node:crypto parses the result back before it is used.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

export interface TlsCredentials {
  /** PEM certificate (chain). */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/** A made certificate lives this long: it is made anew at every start. */
const VALIDITY_DAYS = 30;

// ---- DER (X.690), just what a certificate needs ----

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let head: Buffer;
  if (length < 0x80) head = Buffer.from([tag, length]);
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
    head = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([head, content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
/** A BIT STRING of whole bytes (no unused bits). */
const bitString = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const explicit = (tagNumber: number, content: Buffer): Buffer => tlv(0xa0 | tagNumber, content);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

function integer(value: Buffer): Buffer {
  // A leading 0x00 keeps a value with its top bit set positive.
  return tlv(0x02, (value[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [40 * (arcs[0] ?? 0) + (arcs[1] ?? 0)];
  for (const arc of arcs.slice(2)) {
    const groups: number[] = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) groups.unshift((rest & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime (RFC 5280 section 4.1.2.5.1): YYMMDDHHMMSSZ, years before 2050. */
function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'latin1'));
}

function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  // Expand '::' and write the eight groups.
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

// ---- The certificate ----

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [TRUE] : []), octetString(value));
}

/** subjectAltName: dNSName is [2] IA5String, iPAddress is [7] OCTET STRING (RFC 5280 4.2.1.6). */
function subjectAltName(names: readonly string[]): Buffer {
  const general = names.map((name) => (isIP(name) !== 0 ? tlv(0x87, ipBytes(name)) : tlv(0x82, Buffer.from(name, 'latin1'))));
  return sequence(...general);
}

/** The names a local certificate answers to: localhost, this machine, loopback, and HOST if it is specific. */
export function localCertificateNames(boundHost: string): string[] {
  const names = ['localhost', '127.0.0.1', '::1'];
  const machine = hostname();
  if (machine !== '' && /^[A-Za-z0-9.-]+$/.test(machine)) names.push(machine);
  const wildcard = boundHost === '' || boundHost === '0.0.0.0' || boundHost === '::';
  if (!wildcard && /^[A-Za-z0-9.:-]+$/.test(boundHost)) names.push(boundHost);
  return [...new Set(names.map((name) => name.toLowerCase()))];
}

/** Makes a fresh key and a self-signed certificate for `names` (DNS names or IP addresses). */
export function makeSelfSignedCertificate(names: readonly string[], now = new Date()): TlsCredentials {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f || 0x01;
  const subject = sequence(set(sequence(oid(OID.commonName), utf8String(names[0] ?? 'localhost'))));
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + VALIDITY_DAYS * 24 * 60 * 60 * 1000);
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256));
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // version v3
    integer(serial),
    signatureAlgorithm,
    subject, // issuer: self-signed
    sequence(utcTime(notBefore), utcTime(notAfter)),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(
      extension(OID.basicConstraints, true, sequence()),
      extension(OID.keyUsage, true, tlv(0x03, Buffer.from([0x07, 0x80]))), // digitalSignature
      extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
      extension(OID.subjectAltName, false, subjectAltName(names)),
    )),
  );
  // ECDSA signatures from node:crypto are DER-encoded (dsaEncoding 'der'), as X.509 wants.
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, signatureAlgorithm, bitString(signature));
  const base64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  const cert = `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`;
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Parse it back: a mistake here must fail at start, not in a browser.
  if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) throw new Error('the made certificate does not match its key');
  return { cert, key };
}

/** SHA-256 fingerprint of the first certificate in `certPem`, as AB:CD:... */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}
