/**
 * Apache httpd as the peer for S6 (performance.md): the one peer that negotiates. A
 * generated config: the event MPM with one serving child process (ServerLimit 1, 64
 * threads, enough for S6's 50 connections), MultiViews on, the same language and charset
 * extensions as porta, access log to a file, keep-alive 5 s and unlimited requests per
 * connection. Every file it writes is inside the scratch directory.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MODULES = '/usr/lib/apache2/modules';

/** What porta knows (src/site/media-type.ts), so both servers judge the same variants. */
const LANGUAGES = ['en', 'es', 'de', 'ja', 'ko', 'ru'];
const CHARSETS: ReadonlyArray<readonly [string, string]> = [
  ['ISO-2022-JP', 'jis'],
  ['KOI8-R', 'koi8-r'],
  ['EUC-KR', 'euc-kr'],
];

export interface ApacheFiles {
  readonly config: string;
  readonly errorLog: string;
}

/** Undefined when the modules the config needs are not installed. */
export function missingApacheModule(): string | undefined {
  for (const module of ['mod_mpm_event.so', 'mod_authz_core.so', 'mod_mime.so', 'mod_negotiation.so']) {
    if (!existsSync(join(MODULES, module))) return join(MODULES, module);
  }
  return undefined;
}

export function writeApacheConfig(scratch: string, base: string, documentRoot: string, host: string, port: number): ApacheFiles {
  const prefix = join(scratch, `apache-${port}`);
  mkdirSync(prefix, { recursive: true });
  const errorLog = join(prefix, 'error.log');
  // Started as root, Apache serves as www-data (it refuses to serve as root): the fixture
  // directory (mkdtemp makes it 0700) must let that user through.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(base, 0o755);
  const mimeTypes = '/etc/mime.types';
  const config = `ServerRoot ${prefix}
LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule mime_module ${MODULES}/mod_mime.so
LoadModule negotiation_module ${MODULES}/mod_negotiation.so
${asRoot ? 'User www-data\nGroup www-data' : ''}
ServerName ${host}
Listen ${host}:${port}
PidFile ${join(prefix, 'httpd.pid')}
DefaultRuntimeDir ${prefix}
Mutex file:${prefix} default
ErrorLog ${errorLog}
LogLevel error
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog ${join(prefix, 'access.log')} common
ServerLimit 1
StartServers 1
ThreadLimit 64
ThreadsPerChild 64
MaxRequestWorkers 64
KeepAlive On
KeepAliveTimeout 5
MaxKeepAliveRequests 0
${existsSync(mimeTypes) ? `TypesConfig ${mimeTypes}` : 'AddType text/html .html\nAddType text/plain .txt'}
${LANGUAGES.map((language) => `AddLanguage ${language} .${language}`).join('\n')}
${CHARSETS.map(([charset, extension]) => `AddCharset ${charset} .${extension}`).join('\n')}
DocumentRoot ${documentRoot}
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory ${documentRoot}>
    Options +MultiViews
    Require all granted
</Directory>
`;
  const path = join(prefix, 'httpd.conf');
  writeFileSync(path, config);
  return { config: path, errorLog };
}

/** In the foreground, so the bench's process handling stops it like any peer. */
export function apacheCommand(binary: string, files: ApacheFiles): string[] {
  return [binary, '-f', files.config, '-DFOREGROUND'];
}
