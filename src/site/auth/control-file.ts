/**
 * The auth control file (docs/serve.md, authentication): one item per line, `#` starts a comment line,
 * order does not matter.
 *
 *   authorization-type=Basic | Digest
 *   realm="Some Realm"                      (always quoted)
 *   name:<password hash>                     (Basic users: MD5 hex, or an htpasswd line's hash,
 *                                             see password-hash.ts)
 *   name:realm:<md5 hex of name:realm:pw>    (Digest users; SHA-256 hex for SHA-256)
 *   ALLOW-PUT / ALLOW-DELETE
 *
 * A file that is not exactly this is refused as a whole, with the file name and line number
 * of the first problem: a directory whose protection cannot be read must not be left open.
 */
import { readQuotedString, trimOws } from '../../http/syntax.js';
import { parsePasswordHash, standInFor, type PasswordHash } from './password-hash.js';

export type AuthScheme = 'Basic' | 'Digest';
export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface AuthRules {
  readonly scheme: AuthScheme;
  readonly realm: string;
  /** Digest only: MD5 (32 hex digits per user) or SHA-256 (64). */
  readonly algorithm: DigestAlgorithm;
  /**
   * User name -> the stored hash as written (MD5 hex lower-cased) for Basic, lower-case hex
   * H(name:realm:password) for Digest (Digest lines for another realm are kept out: they can
   * never match this realm).
   */
  readonly users: ReadonlyMap<string, string>;
  /** Basic only: user name -> the parsed password hash. */
  readonly passwords: ReadonlyMap<string, PasswordHash>;
  /** Basic only: what an unknown user's password is checked against (as costly as the costliest line). */
  readonly standIn: PasswordHash;
  readonly allowPut: boolean;
  readonly allowDelete: boolean;
}

export class ControlFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
    this.name = 'ControlFileError';
  }
}

const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const TYPE_LINE = /^authorization-type[ \t]*=[ \t]*(\S*)$/i;
const REALM_LINE = /^realm[ \t]*=[ \t]*(.*)$/i;

interface UserLine {
  readonly line: number;
  readonly parts: readonly string[];
}

/** Parses the text of a control file; throws ControlFileError naming `file` and the line. */
export function parseControlFile(text: string, file: string): AuthRules {
  let scheme: AuthScheme | undefined;
  let realm: string | undefined;
  let allowPut = false;
  let allowDelete = false;
  const userLines: UserLine[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const number = index + 1;
    const line = trimOws((lines[index] as string).replace(/\r$/, ''));
    if (line === '' || line.startsWith('#')) continue;
    const fail = (problem: string): never => {
      throw new ControlFileError(file, number, problem);
    };
    const type = TYPE_LINE.exec(line);
    if (type !== null) {
      if (scheme !== undefined) fail('authorization-type is given twice');
      const value = (type[1] as string).toLowerCase();
      if (value === 'basic') scheme = 'Basic';
      else if (value === 'digest') scheme = 'Digest';
      else fail(`authorization-type must be Basic or Digest, not '${type[1]}'`);
      continue;
    }
    const realmMatch = REALM_LINE.exec(line);
    if (realmMatch !== null) {
      if (realm !== undefined) fail('realm is given twice');
      const raw = realmMatch[1] as string;
      const quoted = raw.startsWith('"') ? readQuotedString(raw, 0) : undefined;
      if (quoted === undefined || quoted.end !== raw.length) fail('realm must be a quoted string: realm="Some Realm"');
      realm = (quoted as { value: string }).value;
      continue;
    }
    if (line === 'ALLOW-PUT') {
      allowPut = true;
      continue;
    }
    if (line === 'ALLOW-DELETE') {
      allowDelete = true;
      continue;
    }
    if (line.includes(':')) {
      userLines.push({ line: number, parts: line.split(':') });
      continue;
    }
    // The line itself is not repeated: it might be a password typed in the wrong place.
    fail('not a control-file line (expected authorization-type=..., realm="...", a user line, ALLOW-PUT or ALLOW-DELETE)');
  }
  if (scheme === undefined) throw new ControlFileError(file, 0, 'no authorization-type=Basic or authorization-type=Digest line');
  if (realm === undefined) throw new ControlFileError(file, 0, 'no realm="..." line');
  if (scheme === 'Basic') {
    const passwords = basicUsers(userLines, file);
    const users = new Map([...passwords].map(([name, hash]) => [name, hash.text]));
    return { scheme, realm, algorithm: 'MD5', users, passwords, standIn: standInFor(passwords.values()), allowPut, allowDelete };
  }
  const { users, algorithm } = digestUsers(userLines, realm, file);
  return { scheme, realm, algorithm, users, passwords: NO_PASSWORDS, standIn: standInFor([]), allowPut, allowDelete };
}

const NO_PASSWORDS: ReadonlyMap<string, PasswordHash> = new Map();

function basicUsers(lines: readonly UserLine[], file: string): Map<string, PasswordHash> {
  const passwords = new Map<string, PasswordHash>();
  for (const { line, parts } of lines) {
    if (parts.length !== 2) throw new ControlFileError(file, line, 'a Basic user line is name:<password hash>');
    const [name, text] = parts as [string, string];
    checkName(name, passwords, file, line);
    const hash = parsePasswordHash(text);
    if (typeof hash === 'string') throw new ControlFileError(file, line, hash);
    passwords.set(name, hash);
  }
  return passwords;
}

function digestUsers(lines: readonly UserLine[], realm: string, file: string): { users: Map<string, string>; algorithm: DigestAlgorithm } {
  const users = new Map<string, string>();
  const seen = new Set<string>();
  let algorithm: DigestAlgorithm | undefined;
  for (const { line, parts } of lines) {
    if (parts.length !== 3) throw new ControlFileError(file, line, 'a Digest user line is name:realm:<md5 hex of name:realm:password>');
    const [name, userRealm, hash] = parts as [string, string, string];
    const key = `${name}:${userRealm}`;
    if (name === '') throw new ControlFileError(file, line, 'the user name is empty');
    if (seen.has(key)) throw new ControlFileError(file, line, `user '${name}' is listed twice for realm '${userRealm}'`);
    seen.add(key);
    const lineAlgorithm: DigestAlgorithm | undefined = HEX32.test(hash) ? 'MD5' : HEX64.test(hash) ? 'SHA-256' : undefined;
    if (lineAlgorithm === undefined) throw new ControlFileError(file, line, 'the hash must be 32 (MD5) or 64 (SHA-256) hexadecimal digits');
    if (algorithm !== undefined && algorithm !== lineAlgorithm) throw new ControlFileError(file, line, 'MD5 and SHA-256 hashes are mixed in one file');
    algorithm = lineAlgorithm;
    if (userRealm === realm) users.set(name, hash.toLowerCase());
  }
  return { users, algorithm: algorithm ?? 'MD5' };
}

function checkName(name: string, users: ReadonlyMap<string, unknown>, file: string, line: number): void {
  if (name === '') throw new ControlFileError(file, line, 'the user name is empty');
  if (users.has(name)) throw new ControlFileError(file, line, `user '${name}' is listed twice`);
}
