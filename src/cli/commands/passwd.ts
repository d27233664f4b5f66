/**
 * `porta passwd [--md5 | --apr1 | --digest] FILE USER [REALM]` (docs/toolkit.md): adds or
 * replaces USER's line in an auth control file, like Apache's htpasswd/htdigest. Basic lines
 * are bcrypt by default (as `htpasswd -B` writes them, cost 10), Apache MD5-crypt with
 * --apr1 (`htpasswd -m`), or the plain MD5 hex of the original format with --md5. The password is read from the terminal
 * without echo (twice), or from the first line of standard input when it is not a terminal;
 * never from the arguments. The file is rewritten atomically (temporary file, then rename),
 * so a server reading it never sees half of it.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { md5Crypt } from '../../site/auth/md5-crypt.js';
import { UPLOAD_TEMP_PREFIX } from '../../site/hidden-names.js';
import type { Command } from '../command.js';
import { parseFlagsWithConfig } from '../config-file.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import type { FlagSpec } from '../flags.js';
import { readPassword } from '../read-password.js';

const FLAGS: Record<string, FlagSpec> = {
  digest: { kind: 'boolean' },
  md5: { kind: 'boolean' },
  apr1: { kind: 'boolean' },
};

/**
 * bcrypt's work factor: about 70 ms per check on a current core (each step doubles it),
 * paid once per user and password by the server, which remembers successes. htpasswd's
 * own default of 5 is too cheap against guessing today.
 */
export const BCRYPT_COST = 10;

type BasicFormat = 'bcrypt' | 'apr1' | 'md5';

const DEFAULT_REALM = 'Restricted';

const HELP = `Usage: porta passwd [--md5 | --apr1 | --digest] FILE USER [REALM]

Adds or replaces USER's line in the auth control file FILE (creating it), like Apache's
htpasswd / htdigest. Put FILE in a served directory under the control-file name
(WeMustProtectThisHouse! unless serve has --auth-file) to protect that directory.

  Basic (default):  USER:$2y$${BCRYPT_COST}$...   bcrypt, as htpasswd -B writes it
  --apr1:           USER:$apr1$...     Apache MD5-crypt, as htpasswd -m writes it
  --md5:            USER:<md5 hex of the password>   (the original control-file format)
  --digest:         USER:REALM:<md5 hex of USER:REALM:password>   (REALM required)

A new file also gets its authorization-type line and realm="REALM" (Basic: REALM, or
"${DEFAULT_REALM}" when not given). The password is read from the terminal without echo,
twice, or from the first line of standard input when that is not a terminal; it is never
taken as an argument.

Options:
  --apr1         write the Basic line in Apache MD5-crypt instead of bcrypt
  --md5          write the Basic line as the MD5 hex of the password instead of bcrypt
  --digest       write a Digest line (REALM required) instead of a Basic one
  --config FILE  JSON file whose keys are the long flags in camelCase (flags win)

Examples:
  porta passwd 'site/private/WeMustProtectThisHouse!' alice 'Private area'
  printf '%s\\n' "$PW" | porta passwd --digest 'site/team/WeMustProtectThisHouse!' bob Team
`;

/** Names and realms end up between colons on one line: no colon, no line break, no quote. */
function checkPart(value: string, what: string): void {
  if (value === '') throw new UsageError(`${what} must not be empty`);
  if (/[:\r\n"\\]/.test(value)) throw new UsageError(`${what} must not contain ':', '"', '\\' or a line break: '${value}'`);
}

function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** The hash of a Basic line in `format`; bcrypt as `$2y$` (what Apache writes and reads). */
async function basicHash(format: BasicFormat, password: string): Promise<string> {
  if (format === 'md5') return md5Hex(password);
  // 8 characters of the MD5-crypt alphabet, from 6 random bytes.
  if (format === 'apr1') return md5Crypt(password, randomBytes(6).toString('base64').replace(/\+/g, '.'), '$apr1$');
  return (await bcrypt.hash(password, BCRYPT_COST)).replace(/^\$2[ab]\$/, '$2y$');
}

async function readExisting(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RuntimeFailure(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The new text of the file: USER's line replaced (or added), header lines for a new file. */
export function updateControlText(existing: string | undefined, digest: boolean, user: string, realm: string, hash: string): string {
  const scheme = digest ? 'Digest' : 'Basic';
  const line = digest ? `${user}:${realm}:${hash}` : `${user}:${hash}`;
  if (existing === undefined) return `authorization-type=${scheme}\nrealm="${realm}"\n${line}\n`;
  const type = /^[ \t]*authorization-type[ \t]*=[ \t]*(\S+)/im.exec(existing)?.[1];
  if (type !== undefined && type.toLowerCase() !== scheme.toLowerCase()) {
    throw new RuntimeFailure(`the file is authorization-type=${type}; ${digest ? 'drop --digest' : 'use --digest'} to add a user to it`);
  }
  const prefix = digest ? `${user}:${realm}:` : `${user}:`;
  const lines = existing.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let replaced = false;
  const parts = digest ? 3 : 2;
  for (let i = 0; i < lines.length; i++) {
    const current = (lines[i] as string).trim();
    if (current.startsWith(prefix) && current.split(':').length === parts) {
      lines[i] = line;
      replaced = true;
    }
  }
  if (!replaced) lines.push(line);
  return `${lines.join('\n')}\n`;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  let mode = 0o644;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch {
    // A new file: the default mode (the server must be able to read it).
  }
  // A temporary name the server already hides, in case FILE is in a served directory.
  const temp = join(dirname(file), `${UPLOAD_TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  try {
    await writeFile(temp, text, { mode, flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw new RuntimeFailure(`cannot write ${file}: ${(error as Error).message}`);
  }
}

export const passwdCommand: Command = {
  summary: 'add or replace a user in an auth control file (Basic bcrypt, --apr1, --md5, or --digest)',
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { flags, positionals } = parseFlagsWithConfig(args, FLAGS);
    const digest = flags.digest === true;
    const chosen = (['digest', 'md5', 'apr1'] as const).filter((name) => flags[name] === true);
    if (chosen.length > 1) throw new UsageError(`choose one of --${chosen.join(', --')}`);
    const format: BasicFormat = flags.md5 === true ? 'md5' : flags.apr1 === true ? 'apr1' : 'bcrypt';
    if (positionals.length < 2 || positionals.length > 3) throw new UsageError('usage: porta passwd [--md5 | --apr1 | --digest] FILE USER [REALM]');
    const [file, user, givenRealm] = positionals as [string, string, string | undefined];
    if (digest && givenRealm === undefined) throw new UsageError('--digest needs a REALM: porta passwd --digest FILE USER REALM');
    checkPart(user, 'USER');
    const realm = givenRealm ?? DEFAULT_REALM;
    checkPart(realm, 'REALM');
    if (basename(file) === '') throw new UsageError(`FILE must name a file, got '${file}'`);
    const existing = await readExisting(file);
    const password = await readPassword(process.stdin, process.stderr, `Password for ${user}: `);
    const hash = digest ? md5Hex(`${user}:${realm}:${password}`) : await basicHash(format, password);
    await writeAtomically(file, updateControlText(existing, digest, user, realm, hash));
    const what = digest ? `Digest user ${user} in realm "${realm}"` : `Basic user ${user} (${format === 'md5' ? 'MD5' : format})`;
    process.stderr.write(`${existing === undefined ? 'Created' : 'Updated'} ${file}: ${what}\n`);
    return 0;
  },
};
