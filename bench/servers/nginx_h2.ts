/**
 * nginx as a peer HTTP/2 front: one process, one worker, TLS with HTTP/2 (`listen ... ssl
 * http2`, the form Debian 12's nginx 1.22 knows; `http2 on` from 1.25.1), `location /`
 * proxied to an `upstream` with `keepalive 256`, and `/files/` served from a directory
 * (sendfile on).
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** What {@link startNginxH2} serves, and where. */
export interface NginxH2Options {
  /** Loopback port (TLS). */
  port: number;
  /** The origin's port on 127.0.0.1. */
  originPort: number;
  /** The directory served under `/files/`. */
  root: string;
  /** Certificate and key files (PEM). */
  cert: string;
  key: string;
}

/**
 * Writes `<dir>/nginx.conf` and runs nginx in the foreground as a single process.
 * @param dir a private temp directory used as nginx's prefix
 * @param options ports, root, certificate
 * @returns the ready process
 */
export async function startNginxH2(dir: string, options: NginxH2Options): Promise<ManagedProcess> {
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxH2Config(dir, options));
  return await startServer(
    "nginx-h2",
    ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`],
    [options.port],
  );
}

/**
 * The configuration text of {@link startNginxH2}.
 * @param dir prefix directory
 * @param options ports, root, certificate
 * @returns the configuration
 */
export function nginxH2Config(dir: string, options: NginxH2Options): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  sendfile on;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  upstream origin {
    server 127.0.0.1:${options.originPort};
    keepalive 256;
  }

  server {
    listen 127.0.0.1:${options.port} ssl http2;
    ssl_certificate ${options.cert};
    ssl_certificate_key ${options.key};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location /files/ {
      alias ${options.root}/;
    }
  }
}
`;
}
