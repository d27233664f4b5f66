/**
 * nginx as the reference peer, in production mode as packages and containers start it:
 * master process on, one worker (`worker_processes auto` for the multi-core scenario),
 * `daemon off` in the foreground, sendfile on, open_file_cache as a tuned site sets it,
 * access log on, keep-alive timeout 5 s and practically unlimited requests per connection.
 * Basic auth for /protected/ and /upload/ (same user as porta's control files), WebDAV PUT
 * for /upload/, gzip for JavaScript (Debian's nginx has no brotli module), HTTPS with the
 * bench's self-signed certificate for the TLS variant. Every path nginx writes (pid, temp
 * dirs, logs) is inside the scratch directory.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fixtures, TlsFiles } from './fixtures.js';
import type { Variant } from './scenarios.js';

export interface NginxFiles {
  /** nginx -p prefix */
  readonly prefix: string;
  readonly config: string;
  readonly errorLog: string;
  readonly accessLog: string;
}

const FALLBACK_TYPES = `types {
        text/plain txt;
        text/html html;
        application/javascript js;
        application/octet-stream bin;
    }`;

export function writeNginxConfig(fixtures: Fixtures, host: string, port: number, variant: Variant, tls: TlsFiles | undefined): NginxFiles {
  const prefix = join(fixtures.scratch, `nginx-${variant}-${port}`);
  mkdirSync(prefix, { recursive: true });
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir), { recursive: true });
  const errorLog = join(prefix, 'error.log');
  const accessLog = join(prefix, 'access.log');
  const mimeTypes = '/etc/nginx/mime.types';
  const types = existsSync(mimeTypes) ? `include ${mimeTypes};` : FALLBACK_TYPES;
  // `user` only means something when nginx starts as root; elsewhere it would warn.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const listen = tls === undefined ? `listen ${host}:${port};` : `listen ${host}:${port} ssl;
        ssl_certificate ${tls.cert};
        ssl_certificate_key ${tls.key};`;
  const auth = `auth_basic "porta bench";
            auth_basic_user_file ${fixtures.htpasswd};`;
  const config = `${user}
worker_processes ${variant === 'multicore' ? 'auto' : '1'};
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${errorLog} error;
worker_rlimit_nofile 20000;

events {
    worker_connections 16384;
}

http {
    ${types}
    default_type application/octet-stream;
    sendfile on;
    # nginx's default; Debian's nginx.conf turns it on, which halves pipelined (S4) throughput here.
    tcp_nopush off;
    open_file_cache max=1000 inactive=20s;
    open_file_cache_valid 30s;
    keepalive_timeout 5;
    keepalive_requests 1000000;
    access_log ${accessLog};
    gzip on;
    gzip_types text/plain text/css application/javascript text/javascript application/json;
    client_body_temp_path ${join(prefix, 'client_body')};
    proxy_temp_path ${join(prefix, 'proxy')};
    fastcgi_temp_path ${join(prefix, 'fastcgi')};
    uwsgi_temp_path ${join(prefix, 'uwsgi')};
    scgi_temp_path ${join(prefix, 'scgi')};

    server {
        ${listen}
        root ${fixtures.documentRoot};

        location /protected/ {
            ${auth}
        }
        location /upload/ {
            ${auth}
            dav_methods PUT DELETE;
            client_max_body_size 2m;
        }
    }
}
`;
  const path = join(prefix, 'nginx.conf');
  writeFileSync(path, config);
  return { prefix, config: path, errorLog, accessLog };
}

/** The command line, given the nginx binary: `-e` keeps start-up errors out of /var/log. */
export function nginxCommand(binary: string, files: NginxFiles): string[] {
  return [binary, '-p', files.prefix, '-c', files.config, '-e', files.errorLog];
}
