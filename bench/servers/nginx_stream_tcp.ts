/**
 * nginx's stream module as a peer TCP forwarder: one process, `listen`, `proxy_pass`.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";
import { nginxStreamConfig } from "./nginx_stream.ts";
import type { TcpRoute } from "./tcp_route.ts";

/**
 * Writes `<dir>/nginx.conf` and runs nginx in the foreground as a single process.
 * @param dir a private temp directory used as nginx's prefix
 * @param route where to listen and where to forward
 * @param modulePath the stream module to `load_module`, or null when it is built in
 * @returns the ready process
 */
export async function startNginxStreamTcp(
  dir: string,
  route: TcpRoute,
  modulePath: string | null,
): Promise<ManagedProcess> {
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxStreamTcpConfig(dir, route, modulePath));
  return await startServer(
    "nginx-stream",
    ["nginx", "-p", dir, "-c", conf, "-e", `${dir}/error.log`],
    [route.listenPort],
  );
}

/**
 * The nginx configuration: one worker (no master), a TCP `server` forwarding to the upstream,
 * room for 8192 connections (each forwarded one takes two).
 * @param dir prefix directory
 * @param route where to listen and where to forward
 * @param modulePath the stream module to `load_module`, or null when it is built in
 * @returns the configuration text
 */
export function nginxStreamTcpConfig(
  dir: string,
  route: TcpRoute,
  modulePath: string | null,
): string {
  return nginxStreamConfig(dir, {
    listen: `127.0.0.1:${route.listenPort}`,
    upstreamPort: route.upstreamPort,
    proxyTimeout: "600s",
    workerConnections: 8192,
    modulePath,
  });
}
