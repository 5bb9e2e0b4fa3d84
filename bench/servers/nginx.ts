/**
 * nginx as the HTTP backend: one process answering `200 ok` to everything.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/**
 * Writes `<dir>/nginx.conf` and runs `nginx -p <dir> -c <dir>/nginx.conf -e <dir>/error.log`
 * in the foreground with a single process (no master, no daemon).
 * @param dir a private temp directory used as nginx's prefix
 * @param port loopback port to listen on
 * @returns the ready process
 */
export async function startNginx(dir: string, port: number): Promise<ManagedProcess> {
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxConfig(dir, port));
  return await startServer("nginx", ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`], [
    port,
  ]);
}

/**
 * The nginx configuration: everything under `dir`, no access log, and keep-alive connections
 * that are never closed by nginx mid-run, so the proxies see steady streams.
 * @param dir prefix directory
 * @param port loopback port
 * @returns the configuration text
 */
export function nginxConfig(dir: string, port: number): string {
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
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  server {
    listen 127.0.0.1:${port};
    location / {
      return 200 "ok\\n";
    }
  }
}
`;
}
