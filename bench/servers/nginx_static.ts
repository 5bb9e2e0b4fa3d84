/**
 * nginx as a static file server: one process, one worker, `sendfile on`, no access log, no
 * `open_file_cache` (nginx's default), keep-alive connections kept for the whole run.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/**
 * Writes `<dir>/nginx.conf` serving `root` on `port` and runs nginx in the foreground.
 * @param dir a private temp directory used as nginx's prefix
 * @param port loopback port to listen on
 * @param root the directory served
 * @returns the ready process
 */
export async function startNginxStatic(
  dir: string,
  port: number,
  root: string,
): Promise<ManagedProcess> {
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxStaticConfig(dir, port, root));
  return await startServer(
    "nginx-static",
    ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`],
    [port],
  );
}

/**
 * The configuration text of {@link startNginxStatic}.
 * @param dir prefix directory
 * @param port loopback port
 * @param root the directory served
 * @returns the configuration
 */
export function nginxStaticConfig(dir: string, port: number, root: string): string {
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
