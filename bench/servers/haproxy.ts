/**
 * HAProxy as the peer TCP forwarder.
 * @module
 */

import { type ManagedProcess, startServer } from "../lib/process.ts";
import type { TcpRoute } from "./tcp_route.ts";

/**
 * Writes `<dir>/haproxy.cfg` and runs `haproxy -f <cfg> -db` (foreground, one thread).
 * @param dir a private temp directory
 * @param routes one frontend/backend pair per route
 * @returns the ready process
 */
export async function startHaproxyTcp(
  dir: string,
  routes: readonly TcpRoute[],
): Promise<ManagedProcess> {
  const cfg = `${dir}/haproxy.cfg`;
  await Deno.writeTextFile(cfg, haproxyTcpConfig(routes));
  return await startServer(
    "haproxy",
    ["haproxy", "-f", cfg, "-db"],
    routes.map((r) => r.listenPort),
  );
}

/**
 * The HAProxy configuration: `mode tcp`, `nbthread 1`, no logging, explicit timeouts.
 * @param routes one frontend/backend pair per route
 * @returns the configuration text
 */
export function haproxyTcpConfig(routes: readonly TcpRoute[]): string {
  const sections = routes.map((route) => `
frontend ${route.name}_in
  bind 127.0.0.1:${route.listenPort}
  default_backend ${route.name}

backend ${route.name}
  server ${route.name} 127.0.0.1:${route.upstreamPort}
`);
  return `global
  nbthread 1
  maxconn 4096

defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
${sections.join("")}`;
}
