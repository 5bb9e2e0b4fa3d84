/**
 * nginx as a peer reverse proxy: one process, one worker, `proxy_pass` to an `upstream` block
 * that keeps 256 idle keep-alive connections.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";

/** One reverse-proxy listener and the origin ports it balances over (round robin). */
export interface ReverseRoute {
  /** Short name, used for the upstream block (letters, digits, `_`). */
  name: string;
  /** Loopback port to listen on. */
  listenPort: number;
  /** Origin ports on 127.0.0.1. */
  upstreamPorts: readonly number[];
}

/**
 * Writes `<dir>/nginx.conf` and runs nginx in the foreground as a single process.
 * @param dir a private temp directory used as nginx's prefix
 * @param routes one `server` (and `upstream`) per route
 * @param probe a request through the proxy that must succeed before it counts as ready
 * @returns the ready process
 */
export async function startNginxReverse(
  dir: string,
  routes: readonly ReverseRoute[],
  probe?: (signal: AbortSignal) => Promise<void>,
): Promise<ManagedProcess> {
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxReverseConfig(dir, routes));
  return await startServer(
    "nginx-reverse",
    ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`],
    routes.map((r) => r.listenPort),
    { probe },
  );
}

/**
 * The nginx configuration: one worker (no master), no access log, per route an `upstream`
 * with `keepalive 256` and a `server` that proxies everything to it over HTTP/1.1 with the
 * client's `Connection` header cleared, so upstream connections are reused.
 * @param dir prefix directory
 * @param routes where to listen and which origins to balance over
 * @returns the configuration text
 */
export function nginxReverseConfig(dir: string, routes: readonly ReverseRoute[]): string {
  const blocks = routes.map((route) => {
    const servers = route.upstreamPorts.map((port) => `    server 127.0.0.1:${port};\n`).join("");
    return `
  upstream ${route.name} {
${servers}    keepalive 256;
  }

  server {
    listen 127.0.0.1:${route.listenPort};
    location / {
      proxy_pass http://${route.name};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
`;
  }).join("");
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
${blocks}}
`;
}
