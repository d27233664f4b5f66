/**
 * nginx as the reference peer: one worker in the foreground (no master, no daemon),
 * sendfile on, access log on, keep-alive timeout 5 s and practically unlimited requests
 * per connection. Every path nginx writes (pid, temp dirs, logs) is inside the scratch
 * directory, so it runs as any user.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
        application/octet-stream bin;
    }`;

export function writeNginxConfig(scratch: string, documentRoot: string, host: string, port: number): NginxFiles {
  const prefix = join(scratch, 'nginx');
  mkdirSync(prefix, { recursive: true });
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir), { recursive: true });
  const errorLog = join(prefix, 'error.log');
  const accessLog = join(prefix, 'access.log');
  const mimeTypes = '/etc/nginx/mime.types';
  const types = existsSync(mimeTypes) ? `include ${mimeTypes};` : FALLBACK_TYPES;
  // `user` only means something when nginx starts as root; elsewhere it would warn.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const config = `${user}
worker_processes 1;
master_process off;
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
    keepalive_timeout 5;
    keepalive_requests 1000000;
    access_log ${accessLog};
    client_body_temp_path ${join(prefix, 'client_body')};
    proxy_temp_path ${join(prefix, 'proxy')};
    fastcgi_temp_path ${join(prefix, 'fastcgi')};
    uwsgi_temp_path ${join(prefix, 'uwsgi')};
    scgi_temp_path ${join(prefix, 'scgi')};

    server {
        listen ${host}:${port};
        root ${documentRoot};
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
