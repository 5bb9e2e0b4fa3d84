/**
 * nginx as the HTTP backend: one process answering `200 ok` to everything (and, when asked,
 * serving one large file at `/bulk`).
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** The path of the large file `NginxOptions.bulkBytes` adds. */
export const BULK_PATH = "/bulk";

/** Options of `startNginx` and `nginxConfig`. */
export interface NginxOptions {
  /**
   * Also serve a file of this many bytes (zeros, a sparse file: no disk written) at `/bulk`,
   * with sendfile, for throughput runs. @default none
   */
  bulkBytes?: number;
}

/**
 * Writes `<dir>/nginx.conf` and runs `nginx -p <dir> -c <dir>/nginx.conf -e <dir>/error.log`
 * in the foreground with a single process (no master, no daemon).
 * @param dir a private temp directory used as nginx's prefix
 * @param port loopback port to listen on
 * @param options a large file to serve
 * @returns the ready process
 */
export async function startNginx(
  dir: string,
  port: number,
  options: NginxOptions = {},
): Promise<ManagedProcess> {
  if (options.bulkBytes !== undefined) {
    await Deno.writeFile(`${dir}/bulk`, new Uint8Array());
    await Deno.truncate(`${dir}/bulk`, options.bulkBytes);
  }
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxConfig(dir, port, options));
  return await startServer("nginx", ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`], [
    port,
  ]);
}

/**
 * The nginx configuration: everything under `dir`, no access log, and keep-alive connections
 * that are never closed by nginx mid-run, so the proxies see steady streams.
 * @param dir prefix directory
 * @param port loopback port
 * @param options a large file to serve (`<dir>/bulk`, which `startNginx` creates)
 * @returns the configuration text
 */
export function nginxConfig(dir: string, port: number, options: NginxOptions = {}): string {
  const bulk = options.bulkBytes === undefined ? "" : `
    location = ${BULK_PATH} {
      alias ${dir}/bulk;
      default_type application/octet-stream;
      sendfile on;
    }`;
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
    }${bulk}
  }
}
`;
}
