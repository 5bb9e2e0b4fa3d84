/**
 * Ours as a NAT traversal tunnel: a `[proxy] mode = "server"` and a `mode = "client"` that
 * publishes local services through it, each its own `main.ts` process, TLS on or off.
 * @module
 */

import type { ManagedProcess } from "../lib/process.ts";
import { startWmproxy } from "./wmproxy.ts";

const LOOPBACK = "127.0.0.1";
const USERNAME = "bench";
const PASSWORD = "bench-secret";
/** Room for the idle streams of a run and the load beside them (the default is 1024). */
const MAX_STREAMS = 4096;

/** The server's listeners. */
export interface TunnelServerPorts {
  /** Where the tunnel client connects. */
  tunnel: number;
  /** `map_http_bind`: the client's http mapping, by Host. */
  http: number;
  /** `map_tcp_bind`: the client's tcp mapping without `remote_bind`. */
  tcp: number;
  /** Ports the client's tcp mappings take with `remote_bind` (`allow_ports`). */
  remoteBinds: readonly number[];
}

/** One mapping the client publishes. */
export interface TunnelMapping {
  /** Its name. */
  name: string;
  /** `tcp` or `http`. */
  mode: "tcp" | "http";
  /** The local service's port (on loopback). */
  localPort: number;
  /** For a tcp mapping: the server port it takes; none means `map_tcp_bind`. */
  remoteBind?: number;
  /** For an http mapping: the Host it serves. */
  domain?: string;
}

/**
 * The tunnel server's configuration.
 * @param ports its listeners
 * @param tls whether clients connect over TLS (a self-signed pair is made beside the config)
 * @returns TOML text
 */
export function tunnelServerConfig(ports: TunnelServerPorts, tls: boolean): string {
  return `[proxy]
mode = "server"
bind_addr = "${LOOPBACK}:${ports.tunnel}"
username = "${USERNAME}"
password = "${PASSWORD}"
tc = ${tls}
map_http_bind = "${LOOPBACK}:${ports.http}"
map_tcp_bind = "${LOOPBACK}:${ports.tcp}"
allow_ports = "${ports.remoteBinds.join(", ")}"
max_streams = ${MAX_STREAMS}
`;
}

/**
 * The tunnel client's configuration.
 * @param tunnelPort the server's `bind_addr` port
 * @param mappings what it publishes
 * @param ca with TLS: the server's certificate file (absolute path); none: TLS off
 * @returns TOML text
 */
export function tunnelClientConfig(
  tunnelPort: number,
  mappings: readonly TunnelMapping[],
  ca?: string,
): string {
  const tls = ca === undefined ? "ts = false\n" : `ts = true\nca = ${JSON.stringify(ca)}\n`;
  const tables = mappings.map((m) => {
    const extra = m.remoteBind !== undefined
      ? `remote_bind = "${LOOPBACK}:${m.remoteBind}"\n`
      : m.domain !== undefined
      ? `domain = "${m.domain}"\n`
      : "";
    return `
[[proxy.mappings]]
name = "${m.name}"
mode = "${m.mode}"
local_addr = "${LOOPBACK}:${m.localPort}"
${extra}`;
  });
  return `[proxy]
mode = "client"
server = "${LOOPBACK}:${tunnelPort}"
${tls}username = "${USERNAME}"
password = "${PASSWORD}"
max_streams = ${MAX_STREAMS}
${tables.join("")}`;
}

/**
 * Runs the tunnel server; with TLS it writes `wmproxy-tunnel.crt` beside its config.
 * @param dir a private temp directory
 * @param ports its listeners
 * @param tls whether clients connect over TLS
 * @returns the ready process (every listener accepts)
 */
export async function startWmproxyTunnelServer(
  dir: string,
  ports: TunnelServerPorts,
  tls: boolean,
): Promise<ManagedProcess> {
  return await startWmproxy(dir, tunnelServerConfig(ports, tls), {
    tcp: [ports.tunnel, ports.http, ports.tcp],
  });
}

/** The certificate a TLS tunnel server made beside its config in `serverDir`. */
export function tunnelCertificate(serverDir: string): string {
  return `${serverDir}/wmproxy-tunnel.crt`;
}

/**
 * Runs the tunnel client.
 * @param dir a private temp directory
 * @param tunnelPort the server's `bind_addr` port
 * @param mappings what it publishes
 * @param ca with TLS: the server's certificate file; none: TLS off
 * @param probe checks through the server's ports that the mappings are served
 * @returns the ready process, once each `remote_bind` port accepts and the probe passed
 */
export async function startWmproxyTunnelClient(
  dir: string,
  tunnelPort: number,
  mappings: readonly TunnelMapping[],
  ca: string | undefined,
  probe: (signal: AbortSignal) => Promise<void>,
): Promise<ManagedProcess> {
  const remote = mappings.flatMap((m) => m.remoteBind === undefined ? [] : [m.remoteBind]);
  return await startWmproxy(dir, tunnelClientConfig(tunnelPort, mappings, ca), {
    tcp: remote,
  }, probe);
}
