/**
 * nginx as a static file server: one process, one worker, `sendfile on`, no access log, no
 * `open_file_cache` (nginx's default), keep-alive connections kept for the whole run.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** What {@link startNginxStatic} serves, and where. */
export interface NginxStaticOptions {
  /** Loopback port to listen on. */
  port: number;
  /** The directory served. */
  root: string;
}

/**
 * Writes `<dir>/nginx.conf` serving `root` on `port` and runs nginx in the foreground.
 * @param dir a private temp directory used as nginx's prefix
 * @param options port and root
 * @returns the ready process
 */
export async function startNginxStatic(
  dir: string,
  options: NginxStaticOptions,
): Promise<ManagedProcess> {
  const { port } = options;
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxStaticConfig(dir, options));
  return await startServer(
    "nginx-static",
    ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`],
    [port],
  );
}

/**
 * The configuration text of {@link startNginxStatic}.
 * @param dir prefix directory
 * @param options port and root
 * @returns the configuration
 */
export function nginxStaticConfig(dir: string, options: NginxStaticOptions): string {
  const { port, root } = options;
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
  tcp_nopush on;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
}
