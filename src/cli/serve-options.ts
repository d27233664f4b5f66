/**
 * `porta serve` options (docs/serve.md): flags, then the config file, then $PORT, then defaults.
 * Every value is validated here so the rest of the program only sees good ones; a bad one
 * is a UsageError naming the flag or config key.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readConfigFile, flagToKey } from './config-file.js';
import type { ContentCoding } from '../site/compression/accept-encoding.js';
import { SITE_DEFAULTS } from '../site/defaults.js';
import type { PathFields } from '../site/response-fields.js';
import { parseAddedFields, parseSpa } from './added-fields-options.js';
import { UsageError } from './errors.js';
import { LOG_FORMATS, type LogFormat } from '../log/access-record.js';
import { parseByteSize } from './byte-size.js';
import { parseFlags, parseInteger, parsePort, parseSeconds, type FlagSpec, type FlagValues } from './flags.js';

export const SERVE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  host: { kind: 'string', value: 'ADDR' },
  port: { kind: 'string', short: 'p', value: 'PORT' },
  config: { kind: 'string', short: 'c', value: 'FILE' },
  redirects: { kind: 'string', value: 'FILE', path: {} },
  index: { kind: 'list', value: 'NAME' },
  'keep-alive-timeout': { kind: 'string', value: 'SEC' },
  'header-timeout': { kind: 'string', value: 'SEC' },
  'send-timeout': { kind: 'string', value: 'SEC' },
  'stop-timeout': { kind: 'string', value: 'SEC' },
  'max-body': { kind: 'string', value: 'SIZE' },
  'max-uri': { kind: 'string', value: 'SIZE' },
  'auth-file': { kind: 'string', value: 'NAME' },
  secret: { kind: 'string', value: 'TEXT' },
  cgi: { kind: 'boolean' },
  'cgi-ext': { kind: 'string', value: 'SUFFIX' },
  'cgi-timeout': { kind: 'string', value: 'SEC' },
  'cgi-max': { kind: 'string', value: 'N|auto' },
  trace: { kind: 'boolean' },
  'access-log': { kind: 'string', value: 'FILE', path: { literals: ['-', 'off'] } },
  'log-format': { kind: 'string', value: 'common|combined|json' },
  'expose-access-log': { kind: 'boolean' },
  workers: { kind: 'string', value: 'N|auto' },
  'max-connections': { kind: 'string', value: 'N|auto' },
  dotfiles: { kind: 'string', value: 'deny|allow' },
  'default-charset': { kind: 'string', value: 'NAME|off' },
  'tls-cert': { kind: 'string', value: 'FILE', path: {} },
  'tls-key': { kind: 'string', value: 'FILE', path: {} },
  'tls-self-signed': { kind: 'boolean' },
  'redirect-http': { kind: 'string', value: 'PORT' },
  health: { kind: 'string', value: 'PATH' },
  compress: { kind: 'string', value: 'on|off|gzip|br' },
  cors: { kind: 'boolean' },
  spa: { kind: 'string', value: 'FILE' },
  'clean-urls': { kind: 'boolean' },
  header: { kind: 'list', value: "'Name: value'" },
  'cache-control': { kind: 'string', value: 'VALUE' },
  'max-age': { kind: 'string', value: 'SEC' },
  multiviews: { kind: 'boolean' },
  quiet: { kind: 'boolean', short: 'q' },
};

/** Where the certificate comes from: PEM files (re-read on reload), or made at start. */
export type TlsSource = { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string } | { readonly kind: 'self-signed' };

/** How the primary of `--workers N` hands its Digest secret to the workers it forks. */
export const WORKER_SECRET_ENV = 'PORTA_WORKER_SECRET';

/** `--compress` values: brotli is preferred where the client takes both (smaller, as fast to decode). */
const COMPRESSION_CHOICES: Readonly<Record<string, readonly ContentCoding[]>> = { on: ['br', 'gzip'], off: [], gzip: ['gzip'], br: ['br'] };

const CONFIG_ONLY_KEYS: Readonly<Record<string, FlagSpec>> = {
  root: { kind: 'string', value: 'DIR', path: {} },
  // { "/assets/": { "Cache-Control": "max-age=31536000, immutable" } }
  headers: { kind: 'json' },
};

export interface ServeOptions {
  readonly root: string;
  readonly host: string;
  readonly port: number;
  readonly redirectsFile: string | undefined;
  readonly indexNames: readonly string[];
  readonly keepAliveTimeoutMs: number;
  readonly headerTimeoutMs: number;
  readonly sendTimeoutMs: number;
  /** How long a stop (SIGINT/SIGTERM) lets requests in flight finish. */
  readonly stopTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxUriBytes: number;
  readonly authFileName: string;
  readonly secret: string | undefined;
  readonly cgi: boolean;
  readonly cgiExtension: string;
  readonly cgiTimeoutMs: number;
  /** Most CGI programs running at once, for the whole server; 'auto': 16 per CPU core. */
  readonly cgiMax: number | 'auto';
  readonly trace: boolean;
  readonly accessLog: string;
  readonly logFormat: LogFormat;
  readonly exposeAccessLog: boolean;
  readonly workers: number | 'auto';
  /** Most open connections per process; 'auto' from the descriptor limit. */
  readonly maxConnections: number | 'auto';
  readonly dotfiles: 'deny' | 'allow';
  /** Charset added to text, JavaScript and JSON types; undefined for `off`. */
  readonly defaultCharset: string | undefined;
  /** HTTPS on the port, or plain HTTP when undefined. */
  readonly tls: TlsSource | undefined;
  /** A plain-HTTP listener on this port that redirects every request to HTTPS. */
  readonly redirectHttpPort: number | undefined;
  /** Path of the health resource (`--health`), off when undefined. */
  readonly healthPath: string | undefined;
  /** Content codings offered, in order of preference (empty: --compress off). */
  readonly compression: readonly ContentCoding[];
  readonly cors: boolean;
  /** Root-relative path of the single-page application's file (`/index.html`), if any. */
  readonly spa: string | undefined;
  readonly cleanUrls: boolean;
  /** Fields added to successful answers, per path prefix. */
  readonly addedFields: readonly PathFields[];
  /** Transparent content negotiation (MultiViews, type maps). */
  readonly multiviews: boolean;
  readonly quiet: boolean;
}

function parseTlsSource(certFile: string | undefined, keyFile: string | undefined, selfSigned: boolean): TlsSource | undefined {
  if (selfSigned) {
    if (certFile !== undefined || keyFile !== undefined) throw new UsageError('--tls-self-signed makes its own certificate: leave out --tls-cert and --tls-key');
    return { kind: 'self-signed' };
  }
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined) throw new UsageError('--tls-key needs --tls-cert FILE (the certificate that goes with the key)');
  if (keyFile === undefined) throw new UsageError('--tls-cert needs --tls-key FILE (the private key of the certificate)');
  return { kind: 'files', certFile: resolve(certFile), keyFile: resolve(keyFile) };
}

/** A health path is an absolute path without query, fragment, or characters that need encoding. */
function parseHealthPath(value: string | undefined, source: string): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(value)) throw new UsageError(`${source} must be a path like /.well-known/health (starting with '/', no query), got '${value}'`);
  return value;
}

/** Where a value came from, so an error can name what the user typed. */
function describeSource(flag: string, fromFlag: boolean): string {
  return fromFlag ? `--${flag}` : `config key '${flagToKey(flag)}'`;
}

export function parseServeOptions(args: readonly string[], env: NodeJS.ProcessEnv): ServeOptions {
  const { flags, positionals } = parseFlags(args, SERVE_FLAGS);
  if (positionals.length > 1) throw new UsageError(`serve takes one ROOT directory, got ${positionals.length}: ${positionals.join(' ')}`);
  const fileValues: FlagValues = typeof flags.config === 'string' ? readConfigFile(flags.config, SERVE_FLAGS, CONFIG_ONLY_KEYS) : {};

  const pick = <T extends string | boolean | string[]>(flag: string): { value: T | undefined; source: string } => {
    if (flags[flag] !== undefined) return { value: flags[flag] as T, source: describeSource(flag, true) };
    return { value: fileValues[flag] as T | undefined, source: describeSource(flag, false) };
  };
  const text = (flag: string, fallback: string): { value: string; source: string } => {
    const { value, source } = pick<string>(flag);
    return { value: value ?? fallback, source };
  };
  const bool = (flag: string, fallback: boolean): boolean => pick<boolean>(flag).value ?? fallback;
  const seconds = (flag: string, fallback: string): number => {
    const { value, source } = text(flag, fallback);
    return Math.round(parseSeconds(value, source) * 1000);
  };
  const bytes = (flag: string, fallback: string, min: number): number => {
    const { value, source } = text(flag, fallback);
    return parseByteSize(value, source, min, Number.MAX_SAFE_INTEGER);
  };

  const rootText = positionals[0] ?? (fileValues.root as string | undefined) ?? '.';
  // The real path: a ROOT reached through a symbolic link is the folder it leads to, so the
  // files in it are inside the root (symbolic links inside ROOT are judged against this).
  let root: string;
  let rootIsDirectory = false;
  try {
    root = realpathSync(resolve(rootText));
    rootIsDirectory = statSync(root).isDirectory();
  } catch {
    throw new UsageError(`ROOT '${rootText}' does not exist`);
  }
  if (!rootIsDirectory) throw new UsageError(`ROOT '${rootText}' is not a directory`);

  const portChoice = pick<string>('port');
  const portText = portChoice.value ?? env.PORT ?? '8080';
  const port = parsePort(portText, portChoice.value !== undefined ? portChoice.source : '$PORT');

  const logFormat = text('log-format', 'common');
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat.value)) {
    throw new UsageError(`${logFormat.source} must be 'common', 'combined' or 'json', got '${logFormat.value}'`);
  }
  const workersChoice = text('workers', '1');
  const workers = workersChoice.value === 'auto' ? 'auto' : parseInteger(workersChoice.value, workersChoice.source, 1, 256);
  const maxConnectionsChoice = text('max-connections', 'auto');
  const maxConnections = maxConnectionsChoice.value === 'auto' ? 'auto' : parseInteger(maxConnectionsChoice.value, maxConnectionsChoice.source, 1, 10_000_000);
  const indexNames = pick<string[]>('index').value ?? [...SITE_DEFAULTS.indexNames];
  for (const name of indexNames) {
    if (name === '' || name.includes('/')) throw new UsageError(`--index must be a file name without '/', got '${name}'`);
  }
  const authFile = text('auth-file', SITE_DEFAULTS.authFileName);
  if (authFile.value === '' || authFile.value.includes('/')) throw new UsageError(`${authFile.source} must be a file name without '/'`);
  const dotfiles = text('dotfiles', SITE_DEFAULTS.dotfiles);
  if (dotfiles.value !== 'deny' && dotfiles.value !== 'allow') throw new UsageError(`${dotfiles.source} must be 'deny' or 'allow', got '${dotfiles.value}'`);
  const charset = text('default-charset', SITE_DEFAULTS.defaultCharset);
  if (charset.value !== 'off' && !/^[A-Za-z0-9!#$%&'+^_`{}~-]+$/.test(charset.value)) {
    throw new UsageError(`${charset.source} must be a charset name (like utf-8) or 'off', got '${charset.value}'`);
  }
  const compress = text('compress', 'on');
  const compression = COMPRESSION_CHOICES[compress.value];
  if (compression === undefined) throw new UsageError(`${compress.source} must be on, off, gzip or br, got '${compress.value}'`);
  const cgiExtension = text('cgi-ext', '.cgi');
  if (cgiExtension.value === '' || cgiExtension.value.includes('/')) throw new UsageError(`${cgiExtension.source} must be a file-name suffix without '/', like .cgi`);
  const cgiMaxChoice = text('cgi-max', 'auto');
  const cgiMax = cgiMaxChoice.value === 'auto' ? 'auto' : parseInteger(cgiMaxChoice.value, cgiMaxChoice.source, 1, 1_000_000);
  const host = text('host', '0.0.0.0').value;
  if (host === '') throw new UsageError('--host must not be empty');
  const tls = parseTlsSource(pick<string>('tls-cert').value, pick<string>('tls-key').value, bool('tls-self-signed', false));
  const redirectChoice = pick<string>('redirect-http');
  const redirectHttpPort = redirectChoice.value === undefined ? undefined : parsePort(redirectChoice.value, redirectChoice.source);
  if (redirectHttpPort !== undefined && tls === undefined) throw new UsageError(`${redirectChoice.source} redirects to HTTPS: it needs --tls-cert and --tls-key, or --tls-self-signed`);
  const healthChoice = pick<string>('health');

  return {
    root,
    host,
    port,
    redirectsFile: pick<string>('redirects').value,
    indexNames,
    keepAliveTimeoutMs: seconds('keep-alive-timeout', '5'),
    headerTimeoutMs: seconds('header-timeout', '10'),
    sendTimeoutMs: seconds('send-timeout', '60'),
    stopTimeoutMs: seconds('stop-timeout', '30'),
    maxBodyBytes: bytes('max-body', '2097152', 0),
    maxUriBytes: bytes('max-uri', '2048', 16),
    authFileName: authFile.value,
    secret: pick<string>('secret').value ?? env[WORKER_SECRET_ENV],
    cgi: bool('cgi', true),
    cgiExtension: cgiExtension.value,
    cgiTimeoutMs: seconds('cgi-timeout', '30'),
    cgiMax,
    trace: bool('trace', SITE_DEFAULTS.trace),
    accessLog: text('access-log', '-').value,
    logFormat: logFormat.value as LogFormat,
    exposeAccessLog: bool('expose-access-log', false),
    workers,
    maxConnections,
    dotfiles: dotfiles.value,
    defaultCharset: charset.value === 'off' ? undefined : charset.value.toLowerCase(),
    tls,
    redirectHttpPort,
    healthPath: parseHealthPath(healthChoice.value, healthChoice.source),
    compression,
    cors: bool('cors', SITE_DEFAULTS.cors),
    spa: parseSpa(pick<string>('spa')),
    cleanUrls: bool('clean-urls', false),
    addedFields: parseAddedFields(pick<string[]>('header'), pick<string>('cache-control'), pick<string>('max-age'), fileValues.headers as string | undefined),
    multiviews: bool('multiviews', SITE_DEFAULTS.multiviews),
    quiet: bool('quiet', false),
  };
}
