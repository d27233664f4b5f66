/**
 * Apache httpd (Debian apache2) as the peer for what nginx cannot serve: MultiViews
 * negotiation (S6) and CGI (S8). Started in the foreground (`-D FOREGROUND`, the way the
 * official container runs it) from a generated config under the scratch directory, with
 * the event MPM limited to one child process (ServerLimit 1, StartServers 1) whose 64
 * threads serve every connection: the nearest match to nginx's one worker (`-X`, the
 * single-process debug mode, would be the handicap nginx's master_process off was). CGI
 * through mod_cgid (the module for threaded MPMs), access log on, keep-alive 5 s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fixtures } from './fixtures.js';

const MODULES = '/usr/lib/apache2/modules';
// unixd and log_config are compiled into Debian's apache2.

export interface ApacheFiles {
  readonly config: string;
  readonly errorLog: string;
}

export function writeApacheConfig(fixtures: Fixtures, host: string, port: number): ApacheFiles {
  const dir = join(fixtures.scratch, `apache-${port}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const errorLog = join(dir, 'error.log');
  // As root, Apache's children (and so CGI programs) must run as an unprivileged user.
  const user = process.getuid?.() === 0 ? 'User www-data\nGroup www-data\n' : '';
  const modules = [
    'mpm_event',
    'authz_core',
    'authz_host',
    'mime',
    'negotiation',
    'dir',
    'cgid',
    'auth_basic',
    'authn_core',
    'authn_file',
    'authz_user',
  ];
  const config = `ServerRoot ${dir}
${modules.map((name) => `LoadModule ${name}_module ${MODULES}/mod_${name}.so`).join('\n')}
${user}ServerName 127.0.0.1
Listen ${host}:${port}
DefaultRuntimeDir ${dir}
PidFile ${join(dir, 'httpd.pid')}
ErrorLog ${errorLog}
LogLevel error
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog ${join(dir, 'access.log')} common
ScriptSock ${join(dir, 'cgid.sock')}
TypesConfig /etc/mime.types
AddLanguage en .en
AddLanguage fr .fr
AddHandler cgi-script .cgi
KeepAlive On
KeepAliveTimeout 5
MaxKeepAliveRequests 0
ServerLimit 1
StartServers 1
ThreadLimit 64
ThreadsPerChild 64
MaxRequestWorkers 64
MinSpareThreads 1
MaxSpareThreads 64
DocumentRoot ${fixtures.documentRoot}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory ${fixtures.documentRoot}>
    Options MultiViews ExecCGI
    AllowOverride None
    Require all granted
</Directory>
`;
  const path = join(dir, 'httpd.conf');
  writeFileSync(path, config);
  return { config: path, errorLog };
}

export function apacheCommand(binary: string, files: ApacheFiles): string[] {
  return [binary, '-f', files.config, '-D', 'FOREGROUND'];
}
