/**
 * MD5-crypt, the password hash of `htpasswd -m` (`$apr1$salt$hash`, Apache's default) and of
 * glibc's crypt(3) (`$1$salt$hash`): Poul-Henning Kamp's 1994 algorithm, 1,000 rounds of MD5
 * over the password, the salt and the magic prefix, then a custom base-64 of the 16 bytes.
 * The two differ only in the magic string. It is weak by today's measure (about a
 * millisecond per guess) but it is what many existing Apache password files hold.
 */
import { createHash } from 'node:crypto';

export type Md5CryptMagic = '$apr1$' | '$1$';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SALT_CHARS = /^[./0-9A-Za-z]{1,8}$/;

function md5(...parts: Buffer[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** `count` characters of ITOA64 for the low bits of `value`, least significant first. */
function to64(value: number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++, value >>>= 6) out += ITOA64[value & 0x3f];
  return out;
}

export function isMd5CryptSalt(salt: string): boolean {
  return SALT_CHARS.test(salt);
}

/** The full `magic salt $ hash` string for `password` (UTF-8) and a salt of 1-8 characters. */
export function md5Crypt(password: string, salt: string, magic: Md5CryptMagic): string {
  const pw = Buffer.from(password, 'utf8');
  const saltBytes = Buffer.from(salt, 'latin1');
  const magicBytes = Buffer.from(magic, 'latin1');
  const alternate = md5(pw, saltBytes, pw);
  const first = createHash('md5').update(pw).update(magicBytes).update(saltBytes);
  for (let left = pw.length; left > 0; left -= 16) first.update(alternate.subarray(0, Math.min(left, 16)));
  // The original reads one byte of a zeroed buffer for a 1 bit, and the password's first byte for a 0.
  for (let bits = pw.length; bits > 0; bits >>>= 1) first.update(bits & 1 ? ZERO : pw.subarray(0, 1));
  let digest = first.digest();
  for (let round = 0; round < 1000; round++) {
    const next = createHash('md5');
    next.update(round & 1 ? pw : digest);
    if (round % 3 !== 0) next.update(saltBytes);
    if (round % 7 !== 0) next.update(pw);
    next.update(round & 1 ? digest : pw);
    digest = next.digest();
  }
  const d = digest;
  const encoded =
    to64((d[0]! << 16) | (d[6]! << 8) | d[12]!, 4) +
    to64((d[1]! << 16) | (d[7]! << 8) | d[13]!, 4) +
    to64((d[2]! << 16) | (d[8]! << 8) | d[14]!, 4) +
    to64((d[3]! << 16) | (d[9]! << 8) | d[15]!, 4) +
    to64((d[4]! << 16) | (d[10]! << 8) | d[5]!, 4) +
    to64(d[11]!, 2);
  return `${magic}${salt}$${encoded}`;
}

const ZERO = Buffer.alloc(1);
