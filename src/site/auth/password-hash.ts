/**
 * The password hashes a Basic user line may hold: the formats Apache's `htpasswd` writes, and
 * the plain MD5 hex of the original control-file format.
 *
 *   <32 hex digits>            MD5 of the password (the original format, `porta passwd --md5`)
 *   $2y$NN$<53 chars>          bcrypt (`htpasswd -B`; $2a$ and $2b$ too), cost NN from 4 to 14
 *   $apr1$<salt>$<22 chars>    Apache MD5-crypt (`htpasswd -m`, its default)
 *   $1$<salt>$<22 chars>       MD5-crypt as crypt(3) writes it
 *   {SHA}<base64 of 20 bytes>  SHA-1 of the password (`htpasswd -s`)
 *
 * Anything else (crypt(3) DES, plain text, SHA-crypt) is refused when the file is read, so
 * the folder stays closed and the log names the line, instead of failing on each request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MaybePromise } from '../../maybe-async.js';
import { bcryptMatches } from './bcrypt-thread.js';
import { isMd5CryptSalt, md5Crypt, type Md5CryptMagic } from './md5-crypt.js';

export type PasswordHash =
  | { readonly kind: 'md5-hex'; readonly text: string }
  | { readonly kind: 'sha1'; readonly text: string; readonly digest: Buffer }
  | { readonly kind: 'md5-crypt'; readonly text: string; readonly magic: Md5CryptMagic; readonly salt: string }
  | { readonly kind: 'bcrypt'; readonly text: string; readonly cost: number };

/**
 * Above this cost a check takes over a second (70 ms at cost 10 on a 2020s core, doubling
 * per step) and a handful of wrong guesses would occupy the bcrypt thread for long.
 */
export const MAX_BCRYPT_COST = 14;
export const MIN_BCRYPT_COST = 4;

const HEX32 = /^[0-9a-fA-F]{32}$/;
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const MD5_CRYPT = /^(\$apr1\$|\$1\$)([^$]*)\$[./0-9A-Za-z]{22}$/;
const SHA1 = /^\{SHA\}([A-Za-z0-9+/]{27}=)$/;

export const ACCEPTED_FORMATS = 'MD5 hex, bcrypt ($2y$), Apache MD5 ($apr1$), MD5-crypt ($1$) or {SHA}';

/** The hash of a Basic user line, or a sentence saying why it is not one porta accepts. */
export function parsePasswordHash(text: string): PasswordHash | string {
  if (HEX32.test(text)) return { kind: 'md5-hex', text: text.toLowerCase() };
  const bcrypt = BCRYPT.exec(text);
  if (bcrypt !== null) {
    const cost = Number(bcrypt[1]);
    if (cost < MIN_BCRYPT_COST || cost > MAX_BCRYPT_COST) return `bcrypt cost ${cost} is outside ${MIN_BCRYPT_COST}-${MAX_BCRYPT_COST} (each check at cost ${MAX_BCRYPT_COST + 1} would take seconds; re-create it with htpasswd -B -C 10)`;
    return { kind: 'bcrypt', text, cost };
  }
  const crypt = MD5_CRYPT.exec(text);
  if (crypt !== null) {
    const salt = crypt[2] as string;
    if (!isMd5CryptSalt(salt)) return 'the MD5-crypt salt must be 1 to 8 characters of [./0-9A-Za-z]';
    return { kind: 'md5-crypt', text, magic: crypt[1] as Md5CryptMagic, salt };
  }
  const sha = SHA1.exec(text);
  if (sha !== null) return { kind: 'sha1', text, digest: Buffer.from(sha[1] as string, 'base64') };
  if (text.startsWith('$2')) return 'not a well-formed bcrypt hash ($2y$NN$ and 53 characters)';
  if (text.startsWith('{SHA}')) return 'not a well-formed {SHA} hash (base64 of 20 bytes)';
  return `the password hash is in no format porta reads (${ACCEPTED_FORMATS})`;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `password` matches `hash`; in constant time for equal-length hashes; bcrypt off the event loop. */
export function passwordMatches(hash: PasswordHash, password: string): MaybePromise<boolean> {
  switch (hash.kind) {
    case 'md5-hex':
      return sameBytes(Buffer.from(createHash('md5').update(password, 'utf8').digest('hex'), 'latin1'), Buffer.from(hash.text, 'latin1'));
    case 'sha1':
      return sameBytes(createHash('sha1').update(password, 'utf8').digest(), hash.digest);
    case 'md5-crypt':
      return sameBytes(Buffer.from(md5Crypt(password, hash.salt, hash.magic), 'latin1'), Buffer.from(hash.text, 'latin1'));
    case 'bcrypt':
      return bcryptMatches(password, hash.text);
  }
}

/** How much work a check of each kind is, to pick the stand-in of a file. */
const WORK: Readonly<Record<PasswordHash['kind'], number>> = { 'md5-hex': 0, sha1: 0, 'md5-crypt': 1, bcrypt: 2 };

/**
 * What an unknown user's password is checked against: a hash that matches nothing and costs
 * what the file's most expensive line costs, so a wrong name takes as long as a wrong password.
 */
export function standInFor(hashes: Iterable<PasswordHash>): PasswordHash {
  let costliest: PasswordHash | undefined;
  for (const hash of hashes) {
    if (costliest === undefined || WORK[hash.kind] > WORK[costliest.kind] || (hash.kind === 'bcrypt' && costliest.kind === 'bcrypt' && hash.cost > costliest.cost)) costliest = hash;
  }
  if (costliest?.kind === 'bcrypt') return { kind: 'bcrypt', text: `$2y$${String(costliest.cost).padStart(2, '0')}$${'.'.repeat(53)}`, cost: costliest.cost };
  if (costliest?.kind === 'md5-crypt') return { kind: 'md5-crypt', text: `${costliest.magic}........$${'.'.repeat(22)}`, magic: costliest.magic, salt: '........' };
  return { kind: 'md5-hex', text: '0'.repeat(32) };
}
